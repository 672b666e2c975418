// `trainsim calibrate --from-trace TRACE.json`: a PyTorch-profiler trace's kernel time by op kind, pass and
// block, and the kernels it could not place (hardware/trace_summary.h); with `--scenario S -o FILE`, the
// calibration file of group points read off it (hardware/trace_calibration.h).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "hardware/calibrated_constants.h"
#include "hardware/calibration.h"
#include "hardware/kineto_trace.h"
#include "hardware/trace_calibration.h"
#include "hardware/trace_summary.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "reports/trace_calibration_report.h"
#include "reports/trace_comparison_report.h"
#include "reports/trace_summary_report.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/cost/run_evaluation.h"
#include "sim/step/trace_comparison.h"

namespace trainsim::cli {

void add_calibrate_command(CLI::App& app) {
  struct Options {
    std::string trace;
    std::string scenario;
    bool json = false;
    int chunk_layers = 4;
    std::string compare_output;
    std::string output;
    std::string trace_url = "https://github.com/deepseek-ai/profile-data";
    std::string trace_date = "2025-02-27";
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "calibrate",
      "Read measured kernel times from a PyTorch-profiler (Kineto) Chrome trace and print them by op kind, pass "
      "(forward, backward + weight grads) and annotated block, with the kernels it could not place. With "
      "--scenario and -o, write them as a calibration file (hardware/calibration/FORMAT.md): one group point per "
      "kernel family per DualPipe block per layer, against the scenario's MoE-layer ops");
  command->add_option("--from-trace", options->trace, "Kineto Chrome trace JSON (torch.profiler export_chrome_trace)")
      ->required();
  command->add_option("--scenario", options->scenario,
                      "Scenario YAML the trace was measured for; its GPU is checked against the trace's device");
  command->add_flag("--json", options->json, "Print JSON");
  command->add_option("--compare", options->compare_output,
                      "With --scenario: write a Markdown comparison of the trace's F&B chunk pair with the scenario's "
                      "pricing, op group by op group, to this file (reports/published/calibration-h800.md)");
  command->add_option("-o,--output", options->output,
                      "With --scenario: write the calibration read off the trace to this file (written whole or not "
                      "at all)");
  command->add_option("--trace-url", options->trace_url, "With -o: where the trace is published (source.url)")
      ->capture_default_str();
  command->add_option("--trace-date", options->trace_date,
                      "With -o: when the trace was measured or published, YYYY-MM-DD (source.date)")
      ->capture_default_str();
  command->add_option("--chunk-layers", options->chunk_layers,
                      "MoE layers in each chunk of the profiled pair (DeepSeek's profile: 4)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command->callback([options] {
    if (!options->output.empty() && options->scenario.empty()) {
      SourceLocation flag;
      flag.file = "-o";
      throw ConfigError(flag, "a calibration needs the scenario whose MoE-layer ops the trace's kernels implement",
                        "--scenario FILE", "the scenario the trace was measured for: its catalog gives the shapes");
    }
    const hw::KinetoTrace trace = hw::read_kineto_trace(options->trace);
    const hw::TraceSummary summary = hw::summarize_trace(trace);
    std::string written;
    if (!options->output.empty()) {
      const sim::Scenario scenario = sim::load_scenario(options->scenario);
      const sim::PricedScenario priced(scenario);
      hw::TraceCalibration calibration = hw::calibration_from_trace(
          trace, priced.at_full_sms.moe.ops, {options->scenario, options->trace_url, options->trace_date});
      // The file carries what its points give when fitted (the same fit that prices a scenario using it).
      calibration.calibration.fits =
          hw::fitted_models(hw::fit_calibration(&calibration.calibration, scenario.cluster.gpu));
      std::string made_by = fmt::format("trainsim calibrate --from-trace {} --scenario {} -o {}", options->trace,
                                        options->scenario, options->output);
      if (options->trace_url != "https://github.com/deepseek-ai/profile-data")
        made_by += fmt::format(" --trace-url {}", options->trace_url);
      if (options->trace_date != "2025-02-27") made_by += fmt::format(" --trace-date {}", options->trace_date);
      const std::string text = hw::format_calibration(calibration.calibration, made_by);
      // Read back before writing: a date or a point the loader would refuse stops here, with nothing written.
      hw::parse_calibration(text, options->output);
      write_file_atomically(options->output, text);
      written = reports::format_trace_calibration_text(calibration, options->output);
    }
    if (!options->compare_output.empty()) {
      if (options->scenario.empty()) {
        SourceLocation flag;
        flag.file = "--compare";
        throw ConfigError(flag, "a comparison needs the scenario that prices the pair", "--scenario FILE");
      }
      const sim::Scenario scenario = sim::load_scenario(options->scenario);
      sim::Scenario uncalibrated = scenario;
      uncalibrated.cluster.calibration = nullptr;
      const sim::TraceComparison comparison =
          sim::compare_with_trace(sim::PricedScenario(scenario), summary, options->chunk_layers);
      const sim::TraceComparison roofline =
          sim::compare_with_trace(sim::PricedScenario(uncalibrated), summary, options->chunk_layers);
      const sim::RunEvaluation before = sim::evaluate_run(uncalibrated, {});
      const sim::RunEvaluation after = sim::evaluate_run(scenario, {});
      reports::PricingBeforeAfter step;
      step.calibration_file = scenario.cluster.calibration ? scenario.cluster.calibration->file : "none";
      step.roofline_step_s = before.estimate.step.step_time_s;
      step.calibrated_step_s = after.estimate.step.step_time_s;
      step.roofline_mfu = before.estimate.step.mfu;
      step.calibrated_mfu = after.estimate.step.mfu;
      step.roofline_gpu_hours = before.run.gpu_hours;
      step.calibrated_gpu_hours = after.run.gpu_hours;
      const std::string regenerate = fmt::format("trainsim calibrate --from-trace {} --scenario {} --chunk-layers {} --compare {}",
                                              options->trace, options->scenario, options->chunk_layers,
                                              options->compare_output);
      write_file_atomically(options->compare_output, reports::format_trace_comparison_markdown(comparison, roofline, step, regenerate));
    }
    std::string note;
    if (!options->scenario.empty()) {
      const hw::GpuSpec& gpu = sim::load_scenario(options->scenario).cluster.gpu;
      note = fmt::format("scenario {} runs on {} ({} SMs); the trace's device: {}\n", options->scenario, gpu.name,
                         gpu.sm_count, summary.device.empty() ? "not recorded" : summary.device);
    }
    if (options->json) {
      std::fputs(note.c_str(), stderr);
      std::fputs(written.c_str(), stderr);
      emit(reports::format_trace_summary_json(summary), "");
    } else {
      emit(note + reports::format_trace_summary_text(summary) + written, "");
    }
  });
}

}  // namespace trainsim::cli
