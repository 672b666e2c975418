// `trainsim calibrate --from-trace TRACE.json`: a PyTorch-profiler trace's kernel time by op kind, pass and
// block, and the kernels it could not place (hardware/trace_summary.h); with `--scenario S -o FILE`, the
// calibration file of group points read off it (hardware/trace_calibration.h). `--device --scenario S --plan P`
// writes the kernel calls a GPU run measures (hardware/calibration_sweep.h), and `--from-kernels RESULTS.json
// --scenario S -o FILE` reads what it measured back as a calibration file (hardware/kernel_results.h).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <optional>

#include "cli/commands.h"
#include "cli/output.h"
#include "hardware/calibrated_constants.h"
#include "hardware/calibration.h"
#include "hardware/calibration_sweep.h"
#include "hardware/kernel_results.h"
#include "hardware/kineto_trace.h"
#include "hardware/trace_calibration.h"
#include "hardware/trace_summary.h"
#include "core/output_files.h"
#include "core/error.h"
#include "reports/shell_quote.h"
#include "reports/trace_calibration_report.h"
#include "reports/trace_comparison_report.h"
#include "reports/trace_summary_report.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/cost/run_evaluation.h"
#include "sim/step/trace_comparison.h"

namespace trainsim::cli {
namespace {

SourceLocation flag_location(const char* flag) {
  SourceLocation where;
  where.file = flag;
  return where;
}

// The kernel calls of the scenario's layers at the full SM count and at what communication kernels leave.
std::vector<hw::KernelCall> scenario_sweep(const sim::Scenario& scenario) {
  const sim::PricedScenario priced(scenario);
  const sim::PricedModel& m = priced.at_full_sms;
  const std::vector<models::LayerOps> layers{m.embedding.ops, m.dense.ops, m.moe.ops, m.head.ops, m.mtp.ops};
  const int full = scenario.cluster.gpu.sm_count;
  const std::vector<int> sms{full, full - scenario.cluster.comm_sm_count};
  return hw::calibration_sweep(layers, sms);
}

constexpr const char* kGpuRunHint =
    "on a GPU machine run `CALIBRATION_PLAN=PLAN.json OUT=DIR bash kernels/gpu-run.sh` (kernels/CALIBRATION.md), "
    "then `trainsim calibrate --from-kernels DIR/calibration-results.json --scenario S -o FILE`";

// --device: trainsim itself measures nothing (the simulator builds and runs without CUDA); it writes the plan.
std::string write_plan(const std::string& scenario_file, const std::vector<std::string>& set, const std::string& plan_file) {
  if (plan_file.empty())
    throw ConfigError(flag_location("--device"),
                      "trainsim measures no kernels itself: the simulator builds and runs without CUDA, and the "
                      "kernels run only through kernels/gpu-run.sh on a GPU machine",
                      "--device --scenario S --plan PLAN.json, to write the kernel calls that run measures",
                      kGpuRunHint);
  if (scenario_file.empty())
    throw ConfigError(flag_location("--plan"), "a plan needs the scenario whose kernel shapes it measures",
                      "--scenario FILE");
  OutputFiles outputs;
  const OutputFiles::Id plan = outputs.plan("--plan", plan_file);
  const sim::Scenario scenario = sim::load_scenario(scenario_file, set);
  const std::vector<hw::KernelCall> calls = scenario_sweep(scenario);
  const hw::GpuSpec& gpu = scenario.cluster.gpu;
  outputs.stage(plan, hw::format_calibration_plan(calls, {scenario_file, gpu.key, gpu.sm_count, gpu.boost_clock_hz,
                                                          scenario.cluster.comm_sm_count}));
  outputs.commit();
  std::size_t shapes = 0;
  for (const hw::KernelCall& c : calls) shapes += c.sweep.empty() && c.sms == gpu.sm_count;
  return fmt::format(
      "wrote {}: {} kernel calls, {} kernel shapes of {} and a sweep around them, on {} and {} SMs\n"
      "next: {}\n",
      plan_file, calls.size(), shapes, scenario_file, gpu.sm_count, gpu.sm_count - scenario.cluster.comm_sm_count,
      kGpuRunHint);
}

// --from-kernels: the harness's results as a calibration file with the fit its points give.
std::string write_kernel_calibration(const std::string& results_file, const std::string& scenario_file,
                                     const std::vector<std::string>& set, const std::string& output) {
  if (scenario_file.empty() || output.empty())
    throw ConfigError(flag_location("--from-kernels"),
                      "reading results back needs the scenario the plan was made for and the file to write",
                      "--from-kernels RESULTS.json --scenario S -o FILE");
  OutputFiles outputs;
  const OutputFiles::Id calibration_file = outputs.plan("-o", output);
  const sim::Scenario scenario = sim::load_scenario(scenario_file, set);
  const std::vector<hw::KernelCall> plan = scenario_sweep(scenario);
  const hw::KernelResults results = hw::read_kernel_results(results_file, plan);
  hw::Calibration calibration = hw::calibration_from_kernel_results(results, scenario.cluster.gpu, scenario_file);
  calibration.fits = hw::fitted_models(hw::fit_calibration(&calibration, scenario.cluster.gpu));
  // The command that made the file, its --set values included: without them the file cannot be made again.
  std::string made_by = "trainsim calibrate --from-kernels " + reports::shell_quote(results_file) + " --scenario " +
                        reports::shell_quote(scenario_file);
  for (const std::string& value : set) made_by += " --set " + reports::shell_quote(value);
  made_by += " -o " + reports::shell_quote(output);
  const std::string text = hw::format_calibration(calibration, made_by);
  // Read back before writing: a point the loader would refuse stops here, with nothing written.
  hw::parse_calibration(text, output);
  outputs.stage(calibration_file, text);
  outputs.commit();
  std::string out = fmt::format("wrote {}: {} single points from {} ({}), plan of {} calls\n", output,
                                calibration.points.size(), results_file, results.device.name, plan.size());
  for (const hw::FittedModel& f : calibration.fits)
    out += fmt::format("  {}: {} points, rms {:.1f}%\n", hw::kernel_family_name(f.family), f.points_fitted,
                       100 * f.rms_relative_error);
  return out;
}

}  // namespace

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
    bool device = false;
    std::string plan;
    std::string kernel_results;
    std::vector<std::string> set;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "calibrate",
      "Read measured kernel times from a PyTorch-profiler (Kineto) Chrome trace and print them by op kind, pass "
      "(forward, backward + weight grads) and annotated block, with the kernels it could not place. With "
      "--scenario and -o, write them as a calibration file (hardware/calibration/FORMAT.md): one group point per "
      "kernel family per DualPipe block per layer, against the scenario's MoE-layer ops. --device --scenario S --plan "
      "PLAN.json writes the kernel calls a GPU run of the project's kernels measures; --from-kernels RESULTS.json "
      "--scenario S -o FILE reads that run's times back as a calibration file");
  command->add_option("--from-trace", options->trace, "Kineto Chrome trace JSON (torch.profiler export_chrome_trace)");
  command->add_flag("--device", options->device,
                    "Measure the project's kernels at the scenario's shapes: with --scenario and --plan, write the "
                    "kernel calls kernels/gpu-run.sh times on a GPU machine (trainsim itself runs no kernels)");
  command->add_option("--plan", options->plan, "With --device: the plan file to write (JSON, kernels/CALIBRATION.md)");
  command->add_option("--from-kernels", options->kernel_results,
                      "With --scenario and -o: read what kernels/gpu-run.sh measured for the scenario's plan "
                      "(RESULTS.json) and write it as a calibration file (source.kind kernels) with its fit");
  command->add_option("--scenario", options->scenario,
                      "Scenario YAML the trace was measured for; its GPU is checked against the trace's device");
  add_set_option(*command, options->set);
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
    const int modes = !options->trace.empty() + options->device + !options->kernel_results.empty();
    if (modes != 1)
      throw ConfigError(flag_location("calibrate"),
                        modes == 0 ? "says nothing to read" : "was given more than one source of measurements",
                        "one of --from-trace TRACE.json, --device, --from-kernels RESULTS.json");
    if (!options->plan.empty() && !options->device) throw ConfigError(flag_location("--plan"), "is for --device", "--device");
    if (!options->set.empty() && options->scenario.empty())
      throw ConfigError(flag_location("--set"), "sets a scenario value, but there is no scenario", "--scenario FILE");
    if (options->device) return emit(write_plan(options->scenario, options->set, options->plan), "");
    if (!options->kernel_results.empty())
      return emit(write_kernel_calibration(options->kernel_results, options->scenario, options->set, options->output), "");
    if (!options->output.empty() && options->scenario.empty()) {
      SourceLocation flag;
      flag.file = "-o";
      throw ConfigError(flag, "a calibration needs the scenario whose MoE-layer ops the trace's kernels implement",
                        "--scenario FILE", "the scenario the trace was measured for: its catalog gives the shapes");
    }
    // Both files are checked before the trace is read, and written together at the end or not at all. (Each id
    // is used only when its flag was given.)
    OutputFiles outputs;
    const OutputFiles::Id calibration_file = options->output.empty() ? 0 : outputs.plan("-o", options->output);
    const OutputFiles::Id comparison_file =
        options->compare_output.empty() ? 0 : outputs.plan("--compare", options->compare_output);
    const hw::KinetoTrace trace = hw::read_kineto_trace(options->trace);
    const hw::TraceSummary summary = hw::summarize_trace(trace);
    // The scenario, read once for the calibration, the comparison and the note.
    const std::optional<sim::Scenario> loaded =
        options->scenario.empty() ? std::nullopt : std::optional<sim::Scenario>(sim::load_scenario(options->scenario, options->set));
    std::string written;
    if (!options->output.empty()) {
      const sim::Scenario& scenario = *loaded;
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
      for (const std::string& value : options->set) made_by += " --set " + reports::shell_quote(value);
      const std::string text = hw::format_calibration(calibration.calibration, made_by);
      // Read back before writing: a date or a point the loader would refuse stops here, with nothing written.
      hw::parse_calibration(text, options->output);
      outputs.stage(calibration_file, text);
      written = reports::format_trace_calibration_text(calibration, options->output);
    }
    if (!options->compare_output.empty()) {
      if (options->scenario.empty()) {
        SourceLocation flag;
        flag.file = "--compare";
        throw ConfigError(flag, "a comparison needs the scenario that prices the pair", "--scenario FILE");
      }
      const sim::Scenario& scenario = *loaded;
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
      outputs.stage(comparison_file, reports::format_trace_comparison_markdown(comparison, roofline, step, regenerate));
    }
    outputs.commit();
    std::string note;
    if (loaded) {
      const hw::GpuSpec& gpu = loaded->cluster.gpu;
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
