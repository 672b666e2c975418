// `trainsim ops`: every op of a scenario's model for one micro-batch on one GPU, priced, so a step's compute
// can be read op by op.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "reports/op_table.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::cli {

void add_ops_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    std::vector<std::string> set;
    bool json = false;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "ops", "List every op of the scenario's model for one micro-batch on one GPU: pass, kind, FLOPs, bytes, time, "
             "achieved rate and what priced it (a calibration's shape model or the datasheet roofline)");
  command->add_option("scenario", options->scenario, "Scenario YAML file, - for standard input")->required();
  add_set_option(*command, options->set);
  command->add_flag("--json", options->json, "Print JSON");
  command->add_option("-o,--output", options->output, "Write to this file instead of standard output");
  command->callback([options] {
    OutputFiles outputs;
    const OutputFiles::Id table = outputs.plan("-o", options->output);
    const sim::Scenario scenario = sim::load_scenario(options->scenario, options->set);
    const sim::PricedScenario priced(scenario);
    outputs.stage(table, options->json ? reports::op_table_json(priced).dump(1) + "\n" : reports::format_op_table(priced));
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
