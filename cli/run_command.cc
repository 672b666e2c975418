// `trainsim run [SCENARIO]`: estimate a training step and the whole run; summary or JSON; at an event-driven
// fidelity also the step's Chrome trace.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress_line.h"
#include "reports/report_page.h"
#include "reports/run_page.h"
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
// An argument as a shell would need it typed: single-quoted when it holds anything but plain characters.
std::string shell_word(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") ==
                           std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The --report folder's files: the page and its Markdown twin planned before the simulation (a bad folder fails
// at once), the pictures once the page says which there are; all committed together.
struct ReportFiles {
  std::string dir;
  OutputFiles::Id html = 0, markdown = 0;
};

ReportFiles plan_report(OutputFiles& outputs, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(fmt::format("cannot create the folder {} (--report): {}", dir, error.message()));
  return {dir, outputs.plan("--report", dir + "/index.html"), outputs.plan("--report", dir + "/report.md")};
}

void stage_report(OutputFiles& outputs, const ReportFiles& files, const reports::ReportPage& page) {
  outputs.stage(files.html, reports::report_page_html(page));
  outputs.stage(files.markdown, reports::report_page_markdown(page));
  for (const reports::PageFigure& figure : reports::page_figures(page))
    outputs.stage(outputs.plan("--report", files.dir + "/" + figure.file), figure.svg);
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
    std::string report;
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
  command->add_option("--report", options->report,
                      "Write a report page into this folder: index.html (self-contained: inline SVG and CSS, no script) "
                      "and the same content as report.md with its pictures as SVG files beside it");
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
    const bool reporting = !options->report.empty();  // after the scenario's checks: a bad one creates no folder
    const ReportFiles report_files = reporting ? plan_report(outputs, options->report) : ReportFiles{};
    sim::RunRequest request;
    request.fidelity = fidelity;
    request.keep_timeline = tracing;
    request.allow_oom = options->allow_oom;
    request.progress = fraction_progress("simulating");
    const sim::RunEvaluation evaluation = sim::evaluate_run(scenario, request);
    const reports::RunReport report{scenario, evaluation.estimate, evaluation.run, options->fidelity, evaluation.routing};
    if (tracing) outputs.stage(trace, reports::timeline_trace_json(evaluation.timeline));
    if (reporting) {
      std::string command_line = "trainsim run";
      if (!options->scenario.empty()) command_line += " " + shell_word(options->scenario);
      if (options->fidelity != "stage") command_line += " --fidelity " + options->fidelity;
      for (const std::string& set : options->set) command_line += " --set " + shell_word(set);
      if (options->allow_oom) command_line += " --allow-oom";
      command_line += " --report " + shell_word(options->report);
      stage_report(outputs, report_files, reports::run_page({report, command_line, evaluation.routed_load}));
    }
    outputs.stage(summary, options->json ? reports::format_run_json(report) : reports::format_run_summary(report));
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
