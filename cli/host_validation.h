// The host's half of `trainsim validate` (issue 19's loop on the CPU): the scenario's kernel shapes timed on this
// machine with the CPU back-end the reduced DeepSeek-V3 trains on, as a calibration that prices each op by its own
// point (hardware/measured_points.h); and that model trained on this machine with every op timed.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hardware/calibration.h"
#include "kernels/model/model_config.h"
#include "kernels/model/op_timer.h"
#include "reports/device_validation_report.h"
#include "sim/scenario/scenario.h"

namespace trainsim::cli {

// (done, total, what): called as each call is timed and each step trained.
using HostProgress = std::function<void(int, int, const std::string&)>;

struct HostLoopOptions {
  int rounds = 10;          // of timing every call, each followed by steps_per_round training steps
  int steps_per_round = 3;
  int samples = 5, batch = 4;  // each call's warm time in a round: the median of `samples` means of `batch` calls
  int cold_samples = 3;        // and its cold time: the median of this many calls, each after evict_caches
};

struct HostLoop {
  // Every kernel shape of the scenario's step (hardware/calibration_sweep.h, no sweep around them: nothing is read
  // between points; a memory-bound shape once per op it stands for), the model's optimizer step and its gradient
  // buffer's zeroing, each timed as
  // calibration_run_cpu times it (kernels/calibration/host_calibration.h): the median of its rounds' times.
  hw::Calibration calibration;
  // The same calls each timed on cold caches (kernels/calibration/host_calibration.h): in the step an op finds its
  // operands where the ops between left them, neither as warm as back to back nor as cold as this; the two
  // calibrations bracket what the composition predicts.
  hw::Calibration cold_calibration;
  std::vector<kernels::model::StepTiming> steps;  // the steps read (the warm-up step left out)
  // The model's routing in each step read: [step][MoE block][expert] the rows each routed expert computed
  // (kernels/model/corpus_training.h). The calibration holds each routed expert GEMM at each of these row counts,
  // one expert a call, so that the prediction prices each step's experts at their own rows.
  std::vector<std::vector<std::vector<std::int64_t>>> expert_rows;
  int routed_calls = 0;  // of the calibration's calls: a routed op at the rows of those steps
  double initial_validation_loss = 0, final_validation_loss = 0;  // nats, before the first step and after the last
};

// The loop's measurements on this machine: the model `config` trained as the scenario describes its step (one
// micro-batch of global_batch sequences of sequence_length tokens, BF16 GEMMs, seed scenario.seed) on the fortunes
// corpus with every op timed (kernels/model/op_timer.h), and between its steps, in the same process, the rounds
// that time the scenario's kernel calls: a warm-up step, then rounds x (every call timed, steps_per_round steps).
// Interleaving them puts both halves under the same load of a shared machine.
HostLoop run_host_loop(const sim::Scenario& scenario, const kernels::model::ModelConfig& config,
                       const HostLoopOptions& options, const HostProgress& progress);

// The scenario priced by `calibration` (cluster.calibration), as the loop predicts with it.
sim::Scenario with_calibration(const sim::Scenario& scenario, const hw::Calibration& calibration);

// The simulator's step on each of the loop's calibrations beside the loop's measured step (the median over the
// steps read, per compute kind and in all: a shared machine's interruptions land on a few steps, and the median
// leaves them out, as each point's median does). Each step read is predicted at its own routing (each MoE
// block's experts at the rows they computed, models::OpContext::routed_rows_by_expert) and the prediction is the
// mean over those steps; the balanced prediction, what `trainsim run` prices, is kept beside it. Fills everything
// but the command's own fields (scenario, command_line, rounds, samples, batch, cold_samples).
reports::DeviceValidation compare_host_loop(const sim::Scenario& scenario, const HostLoop& loop);

// The reduced model's config the scenario names (model.config, relative to the scenario's directory), read as the
// kernels read it; ConfigError at model.config when the scenario names its model otherwise.
kernels::model::ModelConfig host_model_config(const sim::Scenario& scenario);

}  // namespace trainsim::cli
