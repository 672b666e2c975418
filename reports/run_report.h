// What `trainsim run` reports: the scenario's key figures (model, layout, step, memory, run) gathered once,
// then written as a terminal summary or as JSON (keys documented in docs/run-json.md).
#pragma once
#include <string>

#include "sim/cost/run_estimate.h"
#include "sim/scenario/scenario.h"
#include "sim/step/step_estimate.h"

namespace trainsim::reports {

struct RunReport {
  const sim::Scenario& scenario;
  const sim::Estimate& estimate;
  const sim::RunEstimate& run;
  std::string fidelity = "analytic";
  std::string routing;  // how experts are routed (sim::RunEvaluation::routing); empty: balanced
};

std::string format_run_summary(const RunReport& report);  // for a terminal; deterministic
std::string format_run_json(const RunReport& report);     // one JSON object, 2-space indented, sorted keys

}  // namespace trainsim::reports
