// What interruptions add to a run: checkpoints written every interval, the work lost since the last one and
// the restart after each interruption, for exponentially distributed interruptions (Daly, "A higher order
// estimate of the optimum checkpoint interval for restart dumps", Future Generation Computer Systems 22,
// 2006; docs/sources.md#failures).
#pragma once
#include "hardware/failure_spec.h"

namespace trainsim::sim {

// Young (1974): the first-order optimum interval sqrt(2 delta M) for a checkpoint of delta seconds and a mean
// time between interruptions M.
double young_interval_s(double checkpoint_s, double mtbf_s);
// Daly (2006), the higher-order optimum: sqrt(2 delta M) [1 + sqrt(delta / 2M) / 3 + (delta / 2M) / 9] - delta when delta < 2M,
// else M.
double daly_interval_s(double checkpoint_s, double mtbf_s);
// Daly (2006), the complete model: the expected wall time of `solve_s` of failure-free work checkpointed every
// `interval_s` of work, M e^{R/M} (e^{(tau + delta)/M} - 1) T_s / tau, R the restart including the read back.
double expected_wall_time_s(double solve_s, double interval_s, double checkpoint_s, double restart_s, double mtbf_s);

struct FailureCost {
  double job_mtbf_s = 0;           // the job's mean time between interruptions: a GPU's over the GPUs
  double checkpoint_bytes = 0;     // model state: weights, FP32 master weights and the optimizer's moments
  double checkpoint_write_s = 0;   // delta: the bytes over the store's write bandwidth (training stops meanwhile)
  double restart_s = 0;            // R: the restart and reading the checkpoint back
  double checkpoint_interval_s = 0;  // tau, of training time between checkpoints
  bool interval_optimal = true;      // Daly's optimum rather than the scenario's interval
  double failure_free_s = 0;       // T_s
  double wall_time_s = 0;          // T_w, the expected wall time with checkpoints and interruptions
  double interruptions = 0;        // expected: T_w / M
  double goodput() const { return wall_time_s > 0 ? failure_free_s / wall_time_s : 1.0; }
  double added_s() const { return wall_time_s - failure_free_s; }
};

// The expected cost of interruptions for `failure_free_s` of training on `gpus` GPUs whose checkpoint holds
// `checkpoint_bytes`. Requires spec.enabled.
FailureCost failure_cost(const hw::FailureSpec& spec, int gpus, double failure_free_s, double checkpoint_bytes);

}  // namespace trainsim::sim
