// The report of `trainsim validate` (issue 19's loop): the simulator's prediction of a device's training step of
// the reduced DeepSeek-V3, made from that device's own calibration, beside the step measured on it, per compute
// kind, with the error and the goal (the step within 5%, every kind within 10%).
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace trainsim::reports {

// Predicted and measured seconds of one part of the step; measured is the median over the steps read.
struct PartComparison {
  std::string name;  // a compute kind ("expert_gemm"), or "compute", "optimizer", "step"
  double predicted_s = 0;       // from the calibration of calls on warm caches: the prediction
  double predicted_cold_s = 0;  // from the calibration of the same calls on cold caches: its bound
  double measured_s = 0;
  double error() const { return measured_s > 0 ? (predicted_s - measured_s) / measured_s : 0; }
  bool within(double goal) const { return std::abs(error()) <= goal; }  // the error within the goal, either way
  // The measured time between the two predictions (either way round).
  bool bracketed() const {
    return measured_s >= std::min(predicted_s, predicted_cold_s) && measured_s <= std::max(predicted_s, predicted_cold_s);
  }
};

// One compute kind's forward and backward apart (backward: the catalog's Bi and W ops, recomputation included; the
// model's backward pass). Warm predictions only.
struct PassComparison {
  std::string kind;
  PartComparison forward, backward;
};

struct DeviceValidation {
  std::string scenario;      // the scenario file, as given
  std::string command_line;  // the command that made the report
  std::string date;          // YYYY-MM-DD
  std::string device;        // "AMD EPYC 7B13 (host, 2 threads)"
  std::string model;         // "reduced-deepseek-v3-small.json, 4 x 32 tokens a step, BF16 GEMMs"
  int shapes_timed = 0;        // points in the calibration (a memory-bound shape once per op it stands for)
  int rounds = 0;              // each point the median of this many rounds, between training steps
  int samples = 0, batch = 0;  // a round's warm time: the median of `samples` means of `batch` calls
  int cold_samples = 0;        // a round's cold time: the median of this many calls, each after the caches' eviction
  int steps_read = 0;          // training steps read, after a warm-up step
  std::vector<PartComparison> kinds;  // every compute kind either side has, in the simulator's order
  std::vector<PassComparison> kinds_by_pass;  // the same kinds, forward and backward apart
  PartComparison compute, optimizer, step;
  double measured_untimed_s = 0;  // the measured step outside every timed op (the loop's glue)
  double model_parameters = 0;      // what the model's optimizer updates
  double simulator_parameters = 0;  // what the simulator's optimizer term covers
  double initial_validation_loss = 0, final_validation_loss = 0;  // nats, before and after the steps
  // The predictions above price each step's routed experts at the rows the model's router gave them; at the
  // balanced share each (`routing: balanced`, what `trainsim run` prices) the warm prediction of the step and of
  // each kind that routing changes would be these.
  double balanced_step_s = 0;
  std::vector<std::pair<std::string, double>> balanced_kinds_s;
  int routed_calls = 0;  // of shapes_timed: a routed op at the rows the steps read (one expert's GEMM, or a layer's)
};

inline constexpr double kStepGoal = 0.05;  // issue 19: the step within 5%
inline constexpr double kKindGoal = 0.10;  // and every op kind within 10%

std::string format_device_validation_report(const DeviceValidation& validation);  // Markdown
std::string format_device_validation_summary(const DeviceValidation& validation);  // a few terminal lines

}  // namespace trainsim::reports
