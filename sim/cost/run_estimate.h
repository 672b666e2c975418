// The whole run: steps at each batch size of the ramp and at the full batch, GPU-hours, dollars, energy,
// calendar days, and the cost per trillion tokens.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sim/cost/failure_cost.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/step_estimate.h"

namespace trainsim::sim {

struct RunPhase {
  int global_batch_sequences = 0;
  double tokens = 0;
  double steps = 0;
  double step_time_s = 0;
};

struct RunEstimate {
  std::vector<RunPhase> phases;  // the ramp's segments, then the full batch
  double steps = 0;
  double wall_time_s = 0;
  double gpu_hours = 0;
  double cost_usd = 0;
  double energy_mwh = 0;  // GPU board power at its rating, over the run (hosts, network, cooling excluded)
  double days() const { return wall_time_s / 86400.0; }
  double gpu_hours_per_trillion_tokens = 0;
  // Interruptions, checkpoints and restarts over the whole run (absent with `failures: none`): the figures
  // above are failure-free; these add what failures cost.
  std::optional<FailureCost> failures;
  double gpu_hours_with_failures() const { return failures ? gpu_hours * failures->wall_time_s / wall_time_s : gpu_hours; }
  double days_with_failures() const { return (failures ? failures->wall_time_s : wall_time_s) / 86400.0; }
  std::vector<std::string> notes;  // approximations of the run level (ramp batches the schedule cannot take)
};

// The ramp is cut into `kRampSegments` equal token spans, each run at the batch of its midpoint rounded
// to whole micro-batches per replica. Ramp steps are priced analytically and multiplied by
// `ramp_step_scale`: a simulated level passes its step time over the analytic one at the full batch (one
// simulation per evaluation; the ramp's share of the run is small).
RunEstimate estimate_run(const PricedScenario& priced, const Estimate& estimate, double ramp_step_scale = 1.0);

}  // namespace trainsim::sim
