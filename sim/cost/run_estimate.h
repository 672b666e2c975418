// The whole run: the main training (its batch ramp cut into segments, then the full batch), then each phase
// of training.phases (its own scenario, or GPU-hours given); steps, GPU-hours, dollars, energy, calendar days,
// the cost per trillion tokens, and what failures add.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/cost/energy_estimate.h"
#include "sim/cost/failure_cost.h"
#include "sim/cost/run_dollars.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/step_estimate.h"

namespace trainsim::sim {

// One span of the run at one batch and sequence length, or a phase whose GPU-hours are given.
struct RunSegment {
  std::string phase;                  // "pre-training" for the main training, else the phase's name
  const Scenario* scenario = nullptr; // whose step it runs; null for GPU-hours given
  int global_batch_sequences = 0;
  double tokens = 0;
  double given_gpu_hours = 0;
};

// The main training's ramp is cut into `kRampSegments` equal token spans, each run at the batch of its midpoint
// rounded to whole micro-batches per replica; then the full batch; then every phase in order.
std::vector<RunSegment> run_segments(const Scenario& scenario);

struct RunPhase {
  std::string phase;
  int sequence_length = 0;
  int global_batch_sequences = 0;
  double tokens = 0;
  double steps = 0;
  double step_time_s = 0;
  double given_gpu_hours = 0;  // a phase trainsim does not model
  double utilisation = 0;      // gpu_utilisation of its step (a given phase: the main training's full batch)
  double energy_mwh = 0;       // facility energy (PUE included)
  double cost_usd = 0;
  double gpu_hours(int gpus) const { return given_gpu_hours + steps * step_time_s * gpus / 3600.0; }
};

struct RunEstimate {
  std::vector<RunPhase> phases;  // the segments of run_segments, priced
  double steps = 0;
  double wall_time_s = 0;        // of the modelled segments
  double gpu_hours = 0;          // modelled and given
  double cost_usd = 0;
  double energy_mwh = 0;  // facility energy: GPUs, nodes and network, times the PUE (energy.facility_mwh())
  RunEnergy energy;
  DollarRates dollars;    // how cost_usd was computed
  double days() const { return wall_time_s / 86400.0 + given_days; }
  double given_days = 0;  // given GPU-hours on the scenario's GPUs
  double gpu_hours_per_trillion_tokens = 0;  // modelled GPU-hours over modelled tokens (given phases left out)
  // Interruptions, checkpoints and restarts over the whole run (absent with `failures: none`): the figures
  // above are failure-free; these add what failures cost.
  std::optional<FailureCost> failures;
  double gpu_hours_with_failures() const {
    return failures ? gpu_hours + (failures->wall_time_s - wall_time_s) * gpus / 3600.0 : gpu_hours;
  }
  double days_with_failures() const { return failures ? failures->wall_time_s / 86400.0 + given_days : days(); }
  int gpus = 0;
  std::vector<std::string> notes;  // approximations of the run level (ramp batches the schedule cannot take)
};

// A step's time and how busy it keeps the GPUs (gpu_utilisation).
struct StepTiming {
  double step_time_s = 0;
  double utilisation = 0;
};
StepTiming step_timing(const StepEstimate& step, const hw::ClusterSpec& cluster);

// The step of `scenario` (the main one or a phase's) at a batch: from the closed form or a simulation.
using StepTimeAt = std::function<StepTiming(const Scenario& scenario, int global_batch_sequences)>;

RunEstimate estimate_run(const Scenario& scenario, const StepTimeAt& step_time);
// Every segment priced by the closed form (the analytic fidelity).
RunEstimate estimate_run(const PricedScenario& priced, const Estimate& estimate);

}  // namespace trainsim::sim
