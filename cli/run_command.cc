// `trainsim run [SCENARIO]`: estimate a training step and the whole run; summary or JSON; at an event-driven
// fidelity also the step's Chrome trace.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "reports/run_report.h"
#include "reports/timeline_trace.h"
#include "sim/cost/run_evaluation.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::cli {
namespace {

sim::Fidelity parse_fidelity(const std::string& name) {
  if (const std::optional<sim::Fidelity> fidelity = sim::fidelity_from_name(name)) return *fidelity;
  throw Error(fmt::format("unknown fidelity {}", name));  // CLI11's IsMember check lets only the three through
}

// "simulating: 42%" on a terminal's standard error, rewritten in place.
void show_progress(double done) {
  std::fprintf(stderr, "\rsimulating: %3.0f%%%s", 100 * done, done >= 1 ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace

void add_run_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    std::string fidelity = "stage";
    bool json = false;
    bool allow_oom = false;
    std::string output;
    std::string trace;
    std::vector<std::string> set;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("run", "Estimate a training step and the whole run of a scenario: step time and its "
                                            "breakdown, MFU, memory per GPU, GPU-hours, dollars, days");
  command->add_option("scenario", options->scenario,
                      "Scenario YAML file, - for standard input (default: scenarios/deepseek-v3-2048xh800.yaml)");
  add_set_option(*command, options->set);
  command->add_option("--fidelity", options->fidelity,
                      "stage (default): the step on the event engine, one GPU per pipeline device; "
                      "gpu: every GPU of one pipeline replica and its flows; "
                      "analytic: closed form from the op catalog and the schedule's published bubble formula")
      ->check(CLI::IsMember({"analytic", "stage", "gpu"}));
  command->add_flag("--json", options->json, "Print one JSON object (keys in docs/run-json.md) instead of the summary");
  command->add_flag("--allow-oom", options->allow_oom,
                    "Price a layout that does not fit in GPU memory all the same, with the excess shown (without it: an error)");
  command->add_option("-o,--output", options->output, "Write to this file instead of standard output");
  command->add_option("--trace", options->trace,
                      "Write the simulated step as a Chrome trace (open in https://ui.perfetto.dev); stage and gpu "
                      "fidelity. About 160 bytes per op: 20 MB for the default step at stage fidelity, 1.3 GB at gpu");
  command->callback([options] {
    const std::string path = options->scenario.empty() ? default_scenario_path() : options->scenario;
    const sim::Fidelity fidelity = parse_fidelity(options->fidelity);
    if (fidelity == sim::Fidelity::kAnalytic && !options->trace.empty()) {
      SourceLocation option;
      option.file = "--trace";
      throw ConfigError(option, "a trace needs a simulated step", "--fidelity stage or gpu");
    }
    // Every output is checked before the simulation, so that a bad path fails at once, not after it.
    OutputFiles outputs;
    // GCC 12 misreads a std::optional id here as maybe uninitialized (-Werror): a flag and a plain id instead.
    const bool tracing = !options->trace.empty();
    const OutputFiles::Id trace = tracing ? outputs.plan("--trace", options->trace) : OutputFiles::Id{0};
    const OutputFiles::Id summary = outputs.plan("-o", options->output);
    const sim::Scenario scenario = sim::load_scenario(path, options->set);
    sim::RunRequest request;
    request.fidelity = fidelity;
    request.keep_timeline = tracing;
    request.allow_oom = options->allow_oom;
    if (isatty(STDERR_FILENO)) request.progress = show_progress;
    const sim::RunEvaluation evaluation = sim::evaluate_run(scenario, request);
    const reports::RunReport report{scenario, evaluation.estimate, evaluation.run, options->fidelity, evaluation.routing};
    if (tracing) outputs.stage(trace, reports::timeline_trace_json(evaluation.timeline));
    outputs.stage(summary, options->json ? reports::format_run_json(report) : reports::format_run_summary(report));
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
