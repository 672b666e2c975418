// `trainsim validate-scenario FILE...`: every check `run` makes (memory fit included), without the report.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "core/units.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/step/step_estimate.h"
#include "sim/step/step_simulation.h"

namespace trainsim::cli {

void add_validate_scenario_command(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto set = std::make_shared<std::vector<std::string>>();
  CLI::App* validate = app.add_subcommand("validate-scenario", "Check scenario files: schema, units, parallel degrees, "
                                                               "layer placement, schedule rules, memory fit");
  validate->add_option("files", *files, "Scenario YAML files, - for standard input")->required();
  add_set_option(*validate, *set);
  validate->description(validate->get_description() + ", a network the event engine can build");
  validate->callback([files, set] {
    for (const std::string& file : *files) {
      const sim::Scenario scenario = sim::load_scenario(file, *set);
      const sim::Estimate estimate = sim::estimate_step(scenario);
      sim::build_scenario_topology(scenario);
      fmt::print("ok: {}: {} on {} x {}, {:.1f} of {:.0f} GiB per GPU\n", scenario.source, scenario.job.model.name,
                 scenario.cluster.gpu_count(), scenario.cluster.gpu.key,
                 estimate.memory.breakdown.total_bytes() / 1073741824.0, estimate.memory.capacity_bytes / 1073741824.0);
    }
  });
}

}  // namespace trainsim::cli
