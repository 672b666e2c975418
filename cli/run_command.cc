// `trainsim run [SCENARIO]`: estimate a training step and the whole run; summary or JSON.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "reports/run_report.h"
#include "sim/run_estimate.h"
#include "sim/scenario_loader.h"

namespace trainsim::cli {

void add_run_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    std::string fidelity = "analytic";
    bool json = false;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("run", "Estimate a training step and the whole run of a scenario: step time and its "
                                            "breakdown, MFU, memory per GPU, GPU-hours, dollars, days");
  command->add_option("scenario", options->scenario, "Scenario YAML file (default: scenarios/deepseek-v3-2048xh800.yaml)");
  command->add_option("--fidelity", options->fidelity,
                  "analytic: closed form from the op catalog and the schedule's published bubble formula")
      ->check(CLI::IsMember({"analytic"}));
  command->add_flag("--json", options->json, "Print one JSON object (keys in docs/run-json.md) instead of the summary");
  command->add_option("-o,--output", options->output, "Write to this file instead of standard output");
  command->callback([options] {
    const std::string path = options->scenario.empty() ? default_scenario_path() : options->scenario;
    const sim::Scenario scenario = sim::load_scenario(path);
    const sim::Estimate estimate = sim::estimate_step(scenario);
    const sim::RunEstimate run = sim::estimate_run(scenario, estimate);
    const reports::RunReport report{scenario, estimate, run, options->fidelity};
    emit(options->json ? reports::format_run_json(report) : reports::format_run_summary(report), options->output);
  });
}

}  // namespace trainsim::cli
