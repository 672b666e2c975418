// One scenario evaluated at one fidelity (see run_evaluation.h).
#include "sim/cost/run_evaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "core/available_cores.h"
#include "core/child_process.h"
#include "core/error.h"
#include "sim/cost/finite_figures.h"
#include "sim/cost/scenario_routing.h"
#include "sim/scenario/layout_rules.h"
#include "sim/step/step_simulation.h"

namespace trainsim::sim {
namespace {

// Every other step of the run (the ramp's batches, each phase's) simulated at the same fidelity, each in a child
// process of its own, all cores at once; a step the engine cannot run (a ramp batch below what the schedule
// takes) falls back to the closed form, and the run says so.
StepTimeAt simulated_step_times(const PricedScenario& priced, StepTiming main_step, const StepGraphOptions& main_options,
                                std::vector<std::string>& notes) {
  const Scenario& main = priced.scenario;
  std::vector<std::pair<const Scenario*, int>> points, closed_form;
  for (const RunSegment& segment : run_segments(main)) {
    if (segment.scenario == nullptr) continue;
    if (segment.scenario == &main && segment.global_batch_sequences == main.job.global_batch_sequences) continue;
    const std::pair<const Scenario*, int> point{segment.scenario, segment.global_batch_sequences};
    if (std::find(points.begin(), points.end(), point) != points.end()) continue;
    try {  // a batch the schedule cannot take: the closed form (estimate_run notes it), no child
      check_schedule_request(schedule_request_for(segment.scenario->layout,
                                                  microbatches_per_step(segment.scenario->layout, point.second)));
      points.push_back(point);
    } catch (const ConfigError&) {
      closed_form.push_back(point);
    }
  }
  // A child sends back its StepTiming's bytes.
  const auto timing_bytes = [](const StepTiming& t) { return std::string(reinterpret_cast<const char*>(&t), sizeof t); };
  std::vector<std::function<std::string()>> works;
  for (const auto& [scenario, batch] : points) {
    works.push_back([&, scenario = scenario, batch = batch] {
      StepGraphOptions options;
      options.fidelity = main_options.fidelity;
      if (scenario == &main) {
        options.routed_load = main_options.routed_load;  // the same tokens per rank: the same routing
        return timing_bytes(step_timing(simulate_step(priced, batch, options, /*measure_straggler=*/false).step, main.cluster));
      }
      if (const std::optional<ScenarioRouting> routing = scenario_routing(*scenario)) options.routed_load = routing->load;
      const PricedScenario phase(*scenario);
      return timing_bytes(step_timing(simulate_step(phase, batch, options, /*measure_straggler=*/false).step, scenario->cluster));
    });
  }
  const auto closed_form_timing = [&](const Scenario* scenario, int batch) {
    return scenario == &main ? step_timing(estimate_step_at_batch(priced, batch), main.cluster)
                             : step_timing(estimate_step_at_batch(PricedScenario(*scenario), batch), scenario->cluster);
  };
  const int cores = available_cores();
  const std::vector<ChildResult> results = run_in_children(works, cores);
  auto times = std::make_shared<std::map<std::pair<const Scenario*, int>, StepTiming>>();
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& [scenario, batch] = points[i];
    StepTiming t;
    if (results[i].ok() && results[i].bytes.size() == sizeof t) {
      std::memcpy(&t, results[i].bytes.data(), sizeof t);
    } else {  // the closed form instead
      notes.push_back(fmt::format("the step at batch {} and sequence {} is the closed form's: the engine did not run it ({})",
                                  batch, scenario->job.sequence_length, results[i].error));
      t = closed_form_timing(scenario, batch);
    }
    (*times)[points[i]] = t;
  }
  for (const auto& [scenario, batch] : closed_form) (*times)[{scenario, batch}] = closed_form_timing(scenario, batch);
  return [&main, main_step, times](const Scenario& scenario, int batch) {
    if (&scenario == &main && batch == main.job.global_batch_sequences) return main_step;
    return times->at({&scenario, batch});
  };
}

}  // namespace

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
    out.routed_load = routing->load;
  }
  StepSimulation simulated = [&] {
    try {
      return simulate_step(priced, scenario.job.global_batch_sequences, options);
    } catch (const ConfigError& e) {  // a cluster the topology builders cannot build yet
      throw ConfigError(e.where(), e.problem(), e.expected(),
                        (e.hint().empty() ? "" : e.hint() + "; ") + "or --fidelity analytic, which needs no topology");
    }
  }();
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
  std::vector<std::string> step_notes;
  out.run = estimate_run(scenario, simulated_step_times(priced, step_timing(simulated.step, scenario.cluster), options, step_notes));
  out.run.notes.insert(out.run.notes.end(), step_notes.begin(), step_notes.end());
  if (request.keep_timeline) out.timeline = std::move(simulated.timeline);
  check_figures_finite(out.estimate, out.run);
  return out;
}

}  // namespace trainsim::sim
