// RunEvaluation: what `trainsim run` answers for a scenario at one fidelity. The scenario is priced once;
// the step comes from the closed form or from the event engine; memory per GPU; the whole run's cost.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "models/routed_load.h"

#include "sim/cost/run_estimate.h"
#include "sim/engine/timeline.h"
#include "sim/step/step_estimate.h"
#include "sim/step/step_graph.h"

namespace trainsim::sim {

struct RunRequest {
  Fidelity fidelity = Fidelity::kStage;
  std::function<void(double)> progress;  // share of the simulated step done (a long gpu-fidelity run)
  bool keep_timeline = false;            // keep the simulated step's timeline (for a trace)
  bool allow_oom = false;                // price a layout that does not fit in GPU memory (the excess in a note)
};

struct RunEvaluation {
  Fidelity fidelity = Fidelity::kStage;
  Estimate estimate;  // plan, memory, notes; the step at the requested fidelity
  RunEstimate run;
  Timeline timeline;  // the simulated step when kept; empty at the analytic fidelity
  std::string routing;  // the routed load priced, in one line; empty when balanced (sim/cost/scenario_routing.h)
  std::shared_ptr<const models::RoutedStepLoad> routed_load;  // that load (for the report's heat map); null when balanced
};

// Throws ConfigError for a scenario that does not fit in memory (unless allow_oom), and at a simulated fidelity for a network
// the topology builders cannot build (with the analytic fidelity as a way out).
RunEvaluation evaluate_run(const Scenario& scenario, const RunRequest& request);

}  // namespace trainsim::sim
