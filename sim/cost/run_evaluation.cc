// One scenario evaluated at one fidelity (see run_evaluation.h).
#include "sim/cost/run_evaluation.h"

#include <fmt/format.h>

#include "core/error.h"
#include "sim/cost/finite_figures.h"
#include "sim/cost/scenario_routing.h"
#include "sim/step/step_simulation.h"

namespace trainsim::sim {

RunEvaluation evaluate_run(const Scenario& scenario, const RunRequest& request) {
  const PricedScenario priced(scenario);
  RunEvaluation out;
  out.fidelity = request.fidelity;
  out.estimate = estimate_step(priced, request.allow_oom);
  if (request.fidelity == Fidelity::kAnalytic) {
    if (scenario.routing.source != models::RoutingSource::kBalanced)
      out.estimate.notes.push_back("the closed form prices balanced routing; --fidelity stage prices the routed load");
    out.run = estimate_run(priced, out.estimate);
    check_figures_finite(out.estimate, out.run);
    return out;
  }
  StepGraphOptions options;
  options.fidelity = request.fidelity;
  options.progress = request.progress;
  if (const std::optional<ScenarioRouting> routing = scenario_routing(scenario)) {
    options.routed_load = routing->load;
    out.routing = routing->summary;
  }
  StepSimulation simulated = [&] {
    try {
      return simulate_step(priced, scenario.job.global_batch_sequences, options);
    } catch (const ConfigError& e) {  // a cluster the topology builders cannot build yet
      throw ConfigError(e.where(), e.problem(), e.expected(),
                        (e.hint().empty() ? "" : e.hint() + "; ") + "or --fidelity analytic, which needs no topology");
    }
  }();
  // The ramp's other batches are priced by the closed form, scaled by the simulated over the closed-form step
  // at the full batch: one simulation per evaluation keeps a gpu-fidelity run near a minute.
  const double ramp_step_scale = simulated.step.step_time_s / out.estimate.step.step_time_s;
  simulated.notes.push_back(
      fmt::format("the closed form (--fidelity analytic) gives {:.3f} s per step", out.estimate.step.step_time_s));
  out.estimate.step = simulated.step;
  // The model's notes (what its config holds that is not modelled, as step_estimate.cc words them) hold at every
  // fidelity; the simulation's notes replace the closed form's.
  std::vector<std::string> notes;
  for (const std::string& note : scenario.job.model.notes) notes.push_back("model: " + note);
  for (const std::string& note : scenario.job.notes) notes.push_back("training: " + note);
  if (!out.estimate.memory.fits()) notes.push_back(memory_excess_note(out.estimate.memory));
  notes.insert(notes.end(), simulated.notes.begin(), simulated.notes.end());
  out.estimate.notes = std::move(notes);
  out.run = estimate_run(priced, out.estimate, ramp_step_scale);
  if (request.keep_timeline) out.timeline = std::move(simulated.timeline);
  check_figures_finite(out.estimate, out.run);
  return out;
}

}  // namespace trainsim::sim
