// Published validation: each run of a measured-run set (sim/scenario/measured_runs.h) predicted at one
// fidelity and set beside its measured step time, with the mean and largest relative error over the set.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "sim/scenario/measured_runs.h"
#include "sim/scenario/scenario.h"
#include "sim/step/step_estimate.h"
#include "sim/step/step_graph.h"

namespace trainsim::sim {

struct ValidatedRun {
  MeasuredRun measured;
  Scenario scenario;
  Estimate predicted;  // the step at the requested fidelity, memory, notes
  std::string calibration;  // the calibration file that priced its ops, or "none (datasheet roofline)"
  // The measured figure as a step time (MeasuredRun::step_time_s) at the scenario's full batch, the step predicted
  // being the full batch's, after any ramp.
  double measured_step_s() const {
    return measured.step_time_s(predicted.step.model_flops_per_step, scenario.job.tokens_per_step(),
                                scenario.cluster.gpu_count());
  }
  // predicted / measured - 1: negative where the prediction is optimistic (faster than measured).
  double relative_error() const { return predicted.step.step_time_s / measured_step_s() - 1; }
};

struct PublishedValidation {
  MeasuredRunSet set;
  Fidelity fidelity = Fidelity::kStage;
  std::vector<ValidatedRun> runs;

  double mean_abs_error() const;
  double max_abs_error() const;
  double mean_signed_error() const;  // below 0: optimistic on average
  bool meets_goal() const;           // true where the set states no goal
};

// Predicts every run of `runs` (a selection of `set`'s) at `fidelity`; `progress(done, total, name)` is called
// before each. A run whose scenario fails to load or does not fit is a ConfigError at that scenario.
PublishedValidation validate_published(const MeasuredRunSet& set, const std::vector<MeasuredRun>& runs, Fidelity fidelity,
                                       const std::function<void(int, int, const std::string&)>& progress = {});

}  // namespace trainsim::sim
