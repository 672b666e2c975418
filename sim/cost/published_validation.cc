// Each run predicted as `trainsim run` predicts it (sim/cost/run_evaluation.h): same scenario, same fidelity.
#include "sim/cost/published_validation.h"

#include <algorithm>
#include <cmath>

#include "sim/cost/run_evaluation.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {

double PublishedValidation::mean_abs_error() const {
  double sum = 0;
  for (const ValidatedRun& run : runs) sum += std::abs(run.relative_error());
  return runs.empty() ? 0 : sum / static_cast<double>(runs.size());
}

double PublishedValidation::max_abs_error() const {
  double largest = 0;
  for (const ValidatedRun& run : runs) largest = std::max(largest, std::abs(run.relative_error()));
  return largest;
}

double PublishedValidation::mean_signed_error() const {
  double sum = 0;
  for (const ValidatedRun& run : runs) sum += run.relative_error();
  return runs.empty() ? 0 : sum / static_cast<double>(runs.size());
}

bool PublishedValidation::meets_goal() const { return set.goal_mean_abs_error <= 0 || mean_abs_error() <= set.goal_mean_abs_error; }

PublishedValidation validate_published(const MeasuredRunSet& set, const std::vector<MeasuredRun>& runs, Fidelity fidelity,
                                       const std::function<void(int, int, const std::string&)>& progress) {
  PublishedValidation out;
  out.set = set;
  out.fidelity = fidelity;
  for (const MeasuredRun& measured : runs) {
    if (progress) progress(static_cast<int>(out.runs.size()), static_cast<int>(runs.size()), measured.name);
    Scenario scenario = load_scenario(measured.scenario_path);
    RunRequest request;
    request.fidelity = fidelity;
    RunEvaluation evaluation = evaluate_run(scenario, request);
    const std::string calibration = scenario.cluster.calibration ? scenario.cluster.calibration->file
                                                                 : std::string("none (datasheet roofline)");
    out.runs.push_back({measured, std::move(scenario), std::move(evaluation.estimate), calibration});
  }
  if (progress) progress(static_cast<int>(runs.size()), static_cast<int>(runs.size()), "");
  return out;
}

}  // namespace trainsim::sim
