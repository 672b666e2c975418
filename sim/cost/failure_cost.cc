// Daly's (2006) model of checkpoint and restart: exponential interruptions, a checkpoint every tau of work.
#include "sim/cost/failure_cost.h"

#include <cmath>

#include "core/error.h"

namespace trainsim::sim {

double young_interval_s(double checkpoint_s, double mtbf_s) { return std::sqrt(2.0 * checkpoint_s * mtbf_s); }

double daly_interval_s(double checkpoint_s, double mtbf_s) {
  if (checkpoint_s >= 2.0 * mtbf_s) return mtbf_s;
  const double x = checkpoint_s / (2.0 * mtbf_s);
  return young_interval_s(checkpoint_s, mtbf_s) * (1.0 + std::sqrt(x) / 3.0 + x / 9.0) - checkpoint_s;
}

double expected_wall_time_s(double solve_s, double interval_s, double checkpoint_s, double restart_s, double mtbf_s) {
  // A free checkpoint (delta = 0) taken continuously (tau -> 0): (e^{tau/M} - 1) / tau -> 1/M, so T_w = e^{R/M} T_s.
  if (interval_s == 0 && checkpoint_s == 0 && mtbf_s > 0) return std::exp(restart_s / mtbf_s) * solve_s;
  TS_CHECK(interval_s > 0 && mtbf_s > 0, "checkpoint interval {} s and MTBF {} s must be positive", interval_s, mtbf_s);
  // expm1 keeps the small exponent exact: (tau + delta) / M is about 1e-2 for a large run.
  return mtbf_s * std::exp(restart_s / mtbf_s) * std::expm1((interval_s + checkpoint_s) / mtbf_s) * solve_s / interval_s;
}

FailureCost failure_cost(const hw::FailureSpec& spec, int gpus, double failure_free_s, double checkpoint_bytes) {
  TS_CHECK(spec.enabled && gpus > 0, "failure cost asked for a disabled spec or {} GPUs", gpus);
  FailureCost cost;
  cost.job_mtbf_s = spec.gpu_mtbf_s / gpus;
  cost.checkpoint_bytes = checkpoint_bytes;
  cost.checkpoint_write_s = checkpoint_bytes / spec.checkpoint_write_bytes_per_s;
  cost.restart_s = spec.restart_s + checkpoint_bytes / spec.checkpoint_read_bytes_per_s;
  cost.interval_optimal = !spec.checkpoint_interval_s.has_value();
  cost.checkpoint_interval_s = spec.checkpoint_interval_s.value_or(daly_interval_s(cost.checkpoint_write_s, cost.job_mtbf_s));
  cost.failure_free_s = failure_free_s;
  cost.wall_time_s = failure_free_s <= 0 ? 0.0
                                         : expected_wall_time_s(failure_free_s, cost.checkpoint_interval_s,
                                                                cost.checkpoint_write_s, cost.restart_s, cost.job_mtbf_s);
  cost.interruptions = cost.wall_time_s / cost.job_mtbf_s;
  return cost;
}

}  // namespace trainsim::sim
