// `trainsim validate SCENARIO.yaml`: issue 19's loop on the device the scenario names. The simulator predicts the
// reduced DeepSeek-V3's training step from a calibration measured on that device, then the model trains there with
// every op timed, and the report puts the two side by side (reports/device_validation_report.h). The host (the
// CPU back-end, `cluster.gpu: host`) is the device built so far; a GPU's loop needs the model's whole step on the GPU
// (its CUDA back-end computes and times the GEMMs, attention and memory-bound ops there; routing, the loss and the
// optimizer still run on the host, and every call's tensors go through it).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/device_timings_validation.h"
#include "cli/host_validation.h"
#include "cli/output.h"
#include "cli/progress_line.h"
#include "core/error.h"
#include "core/output_files.h"
#include "hardware/host_device.h"
#include "kernels/model/op_timing_json.h"
#include "reports/device_kernel_validation_report.h"
#include "reports/device_validation_report.h"
#include "reports/shell_quote.h"
#include "reports/timeline_trace.h"
#include "sim/cost/run_evaluation.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::cli {
namespace {

namespace model = kernels::model;

struct ValidateOptions {
  std::string scenario;
  std::vector<std::string> set;
  int rounds = 10;
  int steps = 3;
  bool quick = false;
  std::string output;
  std::string traces;
  std::string calibration_out;
  std::string device_timings;  // a GPU's run: its timings file (device_timings_validation.h)
};

// What a comparison of one device's step can take: one device, the whole batch in one micro-batch, nothing
// recomputed. `who` names the loop in the messages.
void check_one_device_step(const sim::Scenario& s, const std::string& who) {
  const sim::ParallelLayout& l = s.layout;
  if (s.cluster.gpu_count() != 1 || l.pp != 1 || l.tp != 1 || l.ep != 1 || l.dp != 1)
    throw ConfigError(s.where("parallelism"), fmt::format("{} runs one device", who),
                      "one node of one GPU, pp tp ep dp 1");
  if (l.micro_batch_size != s.job.global_batch_sequences)
    throw ConfigError(s.where("parallelism.micro_batch_size"),
                      fmt::format("micro-batches of {} in a batch of {}", l.micro_batch_size,
                                  s.job.global_batch_sequences),
                      "the whole batch in one micro-batch, as the model trains a step");
  if (l.recompute != models::Recompute::kNone)
    throw ConfigError(s.where("parallelism.recompute"), fmt::format("{} measures the step without recomputation", who),
                      "parallelism.recompute: none");
}

// What the host's loop can run: the host's own step (a GPU's is compared from its timings, --device-timings).
void check_runs_on_host(const sim::Scenario& s) {
  if (s.cluster.gpu.key != hw::kHostGpuKey)
    throw ConfigError(s.where("cluster.gpu"),
                      fmt::format("the device is '{}': the loop on a GPU needs the model's whole step on the GPU "
                                  "(its routing, loss and optimizer still run on the host)",
                                  s.cluster.gpu.key),
                      "cluster.gpu: host (this machine's CPU, where the reduced model's CPU back-end trains)",
                      "for a GPU, --device-timings FILE compares the kernels its CUDA back-end timed with their "
                      "prices (kernels/model/NOTES.md says what the GPU loop lacks)");
  if (s.job.precision.format != models::TrainingPrecision::kBf16)
    throw ConfigError(s.where("training.precision"), "the host's loop measures BF16 GEMMs", "training.precision: bf16",
                      "the host's FP8 emulates the tensor cores' sums term by term (kernels/model/NOTES.md); a GPU's "
                      "FP8 step is compared from its timings (--device-timings)");
  check_one_device_step(s, "the host's loop");
}

// What the GPU's comparison can read: a GPU scenario of one device's step, and only the kernels' timings.
void check_runs_on_gpu(const sim::Scenario& s, const CLI::App& command) {
  if (s.cluster.gpu.key == hw::kHostGpuKey)
    throw ConfigError(SourceLocation{"--device-timings", 0, 0, ""}, "is for a GPU scenario; this one's is the host",
                      "a scenario whose cluster.gpu is the GPU the timings were measured on",
                      "the host's loop measures its own step: drop --device-timings");
  for (const char* flag : {"--rounds", "--steps", "--quick", "--traces", "--calibration-out"})
    if (command.count(flag) > 0)
      throw ConfigError(SourceLocation{flag, 0, 0, ""}, "is the host loop's, which --device-timings does not run",
                        "--device-timings FILE with -o and --set only");
  check_one_device_step(s, "the GPU's comparison");
}

}  // namespace

void add_validate_command(CLI::App& app) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* command = app.add_subcommand(
      "validate", "Predict the reduced DeepSeek-V3's training step on a device from a calibration measured there, "
                  "train it there with every op timed, and compare (issue 19's loop; the host's CPU is the device "
                  "built so far)");
  command->add_option("scenario", options->scenario,
                      "Scenario of the reduced model on the device, such as scenarios/validation/reduced-deepseek-v3-cpu.yaml")
      ->required();
  command->add_option("--rounds", options->rounds,
                      "Rounds of timing every kernel call, each followed by --steps training steps; default 10")
      ->check(CLI::Range(1, 1000));
  command->add_option("--steps", options->steps,
                      "Training steps after each round (one more runs first, to warm up); default 3")
      ->check(CLI::Range(1, 10000));
  command->add_flag("--quick", options->quick, "Time each kernel shape with fewer calls (3 medians of 2, not 5 of 4)");
  command->add_option("-o,--output", options->output,
                      "Write the Markdown report to this file; without it a summary goes to standard output");
  command->add_option("--traces", options->traces,
                      "Write into this folder the last measured step (measured-step.json) and the simulated one "
                      "(predicted-step.json) as Chrome traces, side by side in https://ui.perfetto.dev");
  command->add_option("--calibration-out", options->calibration_out,
                      "Write the host's (warm) calibration as a calibration file (hardware/calibration/FORMAT.md, law: "
                      "points): `trainsim run` prices the scenario with it on this machine (cluster.calibration)");
  command->add_option("--device-timings", options->device_timings,
                      "A GPU scenario: compare its GEMMs' and attention core's prices with their kernels' device time "
                      "in this timings file of the model trained there (train_reduced_model_cuda --backend cuda "
                      "--timings; kernels/gpu-run.sh's model-step)");
  add_set_option(*command, options->set);
  command->callback([options, command] {
    OutputFiles outputs;
    const OutputFiles::Id report = outputs.plan("-o", options->output);
    if (!options->device_timings.empty()) {
      const sim::Scenario scenario = sim::load_scenario(options->scenario, options->set);
      check_runs_on_gpu(scenario, *command);
      reports::DeviceKernelValidation v =
          compare_device_timings(scenario, load_device_timings(options->device_timings));
      v.scenario = options->scenario;
      v.command_line = "trainsim validate " + reports::shell_quote(options->scenario);
      for (const std::string& s : options->set) v.command_line += " --set " + reports::shell_quote(s);
      v.command_line += " --device-timings " + reports::shell_quote(options->device_timings);
      if (!options->output.empty()) v.command_line += " -o " + reports::shell_quote(options->output);
      outputs.stage(report, options->output.empty() ? reports::format_device_kernel_validation_summary(v)
                                                    : reports::format_device_kernel_validation_report(v));
      commit_outputs(outputs);
      return;
    }
    const bool saving = !options->calibration_out.empty();
    const OutputFiles::Id calibration_file = saving ? outputs.plan("--calibration-out", options->calibration_out) : 0;
    const sim::Scenario scenario = sim::load_scenario(options->scenario, options->set);
    check_runs_on_host(scenario);
    const model::ModelConfig config = host_model_config(scenario);
    // After the scenario's checks, so that a bad one creates no folder.
    const bool tracing = !options->traces.empty();
    OutputFiles::Id measured_trace = 0, predicted_trace = 0;
    if (tracing) {
      std::error_code error;
      std::filesystem::create_directories(options->traces, error);
      if (error) throw Error(fmt::format("cannot create the folder {} (--traces): {}", options->traces, error.message()));
      measured_trace = outputs.plan("--traces", options->traces + "/measured-step.json");
      predicted_trace = outputs.plan("--traces", options->traces + "/predicted-step.json");
    }
    HostLoopOptions loop_options;
    loop_options.rounds = options->rounds;
    loop_options.steps_per_round = options->steps;
    if (options->quick) {
      loop_options.samples = 3;
      loop_options.batch = 2;
    }
    const HostLoop loop = run_host_loop(scenario, config, loop_options, named_count_progress("measuring"));
    reports::DeviceValidation v = compare_host_loop(scenario, loop);
    v.scenario = options->scenario;
    v.command_line = "trainsim validate " + reports::shell_quote(options->scenario);
    if (options->rounds != 10) v.command_line += fmt::format(" --rounds {}", options->rounds);
    if (options->steps != 3) v.command_line += fmt::format(" --steps {}", options->steps);
    if (options->quick) v.command_line += " --quick";
    for (const std::string& s : options->set) v.command_line += " --set " + reports::shell_quote(s);
    if (!options->output.empty()) v.command_line += " -o " + reports::shell_quote(options->output);
    if (saving) v.command_line += " --calibration-out " + reports::shell_quote(options->calibration_out);
    if (tracing) v.command_line += " --traces " + reports::shell_quote(options->traces);
    v.rounds = options->rounds;
    v.samples = loop_options.samples;
    v.batch = loop_options.batch;
    v.cold_samples = loop_options.cold_samples;
    if (saving) outputs.stage(calibration_file, hw::format_calibration(loop.calibration, v.command_line));
    if (tracing) {
      outputs.stage(measured_trace, model::op_trace_json(loop.steps.back(), static_cast<int>(loop.steps.size())));
      sim::RunRequest request;
      request.keep_timeline = true;
      const sim::Scenario calibrated = with_calibration(scenario, loop.calibration);
      outputs.stage(predicted_trace, reports::timeline_trace_json(sim::evaluate_run(calibrated, request).timeline));
    }
    outputs.stage(report, options->output.empty() ? reports::format_device_validation_summary(v)
                                                  : reports::format_device_validation_report(v));
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
