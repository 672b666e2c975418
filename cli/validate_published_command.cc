// `trainsim validate-published SET.yaml`: predict every run of a set of published measurements and write the
// comparison (reports/validation_report.h); reports/published/validation-*.md are made by it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress_line.h"
#include "reports/validation_report.h"
#include "sim/cost/published_validation.h"

namespace trainsim::cli {
void add_validate_published_command(CLI::App& app) {
  struct Options {
    std::string set;
    std::string fidelity = "stage";
    std::vector<std::string> only;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "validate-published", "Predict every run of a set of published step-time measurements (docs/validation.md) and "
                            "compare: per-run error, mean and largest |error| against the set's goal");
  command->add_option("set", options->set, "Measured-run set file, such as scenarios/validation/megatron-weak-scaling.yaml")
      ->required();
  command->add_option("--fidelity", options->fidelity, "stage (default), gpu or analytic, as for `trainsim run`")
      ->check(CLI::IsMember({"analytic", "stage", "gpu"}));
  command->add_option("--only", options->only, "Predict only these runs (their names in the set), comma-separated")
      ->delimiter(',');
  command->add_option("-o,--output", options->output,
                      "Write the Markdown report to this file; without it a one-line-per-run summary goes to standard output");
  command->callback([options] {
    const sim::Fidelity fidelity = sim::fidelity_from_name(options->fidelity).value_or(sim::Fidelity::kStage);
    OutputFiles outputs;
    const OutputFiles::Id report = outputs.plan("-o", options->output);
    const sim::MeasuredRunSet set = sim::load_measured_runs(options->set);
    const std::vector<sim::MeasuredRun> runs = sim::select_runs(set, options->only);
    const std::function<void(int, int, const std::string&)> progress = named_count_progress("predicting");
    const sim::PublishedValidation validation = sim::validate_published(set, runs, fidelity, progress);
    std::string command_line = "trainsim validate-published " + options->set;
    if (options->fidelity != "stage") command_line += " --fidelity " + options->fidelity;
    if (!options->only.empty()) command_line += " --only " + fmt::format("{}", fmt::join(options->only, ","));
    if (!options->output.empty()) command_line += " -o " + options->output;
    outputs.stage(report, options->output.empty() ? reports::format_validation_summary(validation)
                                                  : reports::format_validation_report(validation, command_line));
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
