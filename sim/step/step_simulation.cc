// Step simulation: graph, engine, metrics (see step_simulation.h).
#include "sim/step/step_simulation.h"

#include <algorithm>
#include <vector>

#include "core/available_cores.h"
#include "core/error.h"
#include "hardware/topology_builder.h"
#include "hardware/topology_failures.h"
#include "sim/scenario/layout_rules.h"
#include "sim/step/layer_timing.h"
#include "sim/step/timeline_metrics.h"

namespace trainsim::sim {

hw::Topology build_scenario_topology(const Scenario& s) {
  try {
    hw::Topology healthy = hw::build_topology(s.cluster.topology, hw::topology_params(s.cluster));
    if (s.cluster.network_failures.empty()) return healthy;
    return hw::fail_parts(healthy, s.cluster.network_failures, s.source, "cluster.network_failures").topology;
  } catch (const ConfigError& e) {
    if (!e.where().file.empty()) throw;
    throw ConfigError(s.where(e.where().key_path), e.problem(), e.expected(), e.hint());
  }
}

StepSimulation simulate_step(const PricedScenario& priced, int global_batch_sequences, const StepGraphOptions& options,
                             bool measure_straggler) {
  const Scenario& s = priced.scenario;
  const int microbatches = microbatches_per_step(s.layout, global_batch_sequences);
  StepGraph built = build_step_graph(priced, microbatches, options);
  const hw::Topology topology = build_scenario_topology(s);
  StepSimulation out;
  out.activities = built.graph.size();
  out.computing_gpus = built.devices * built.members;
  out.simulated_gpus = static_cast<int>(built.graph.gpus().size());
  out.notes = std::move(built.notes);
  // With a routed load, the same step at the balanced load is the reference the straggler's share is read
  // against: an independent simulation, run beside the step's on a second core where there is one.
  // It is built in its own child, while the step simulates: at gpu fidelity its 7.8M activities take 4 s.
  const bool reference = measure_straggler && options.routed_load && s.job.model.is_moe();
  std::vector<EngineJob> jobs{{&built.graph, nullptr, &topology, built.engine}};
  if (reference) {
    StepGraphOptions balanced = options;
    balanced.routed_load = nullptr;
    balanced.progress = nullptr;
    EngineOptions engine = built.engine;
    engine.progress = nullptr;
    engine.makespan_only = true;
    jobs.push_back({nullptr, [&priced, microbatches, balanced] { return build_step_graph(priced, microbatches, balanced).graph; },
                    &topology, engine});
  }
  std::vector<double> cpu_s;
  std::vector<Timeline> timelines =
      run_engines(jobs, std::min(available_cores(), static_cast<int>(jobs.size())), &cpu_s);
  out.timeline = std::move(timelines.front());

  const TimelineMetrics metrics = timeline_metrics(out.timeline, built.tags);
  const RankMetrics& critical = metrics.ranks[static_cast<std::size_t>(metrics.critical_rank)];
  StepEstimate& e = out.step;
  const StepEstimate closed_form = estimate_step_at_batch(priced, global_batch_sequences);
  e.chunk = closed_form.chunk;
  e.pipeline = closed_form.pipeline;
  e.comm_bound_by_kind = closed_form.comm_bound_by_kind;
  e.bubble_definition = kBubbleSimulated;
  e.global_batch_sequences = global_batch_sequences;
  e.microbatches = microbatches;
  e.step_time_s = metrics.makespan_s;
  e.critical_device = metrics.critical_rank / built.members;
  // Compute ops run back to back on a rank, so their durations sum to its compute time; the optimizer's
  // share of the sweep's compute is taken out the same way.
  e.compute_by_kind_s = compute_by_kind_map(critical.compute_by_kind_s);
  for (const auto& [kind, seconds] : e.compute_by_kind_s) e.compute_s += seconds;
  e.optimizer_s = critical.compute_by_kind_s[static_cast<std::size_t>(models::ComputeKind::kOptimizer)];
  e.bubble_s = critical.idle_s;
  for (WorkClass kind : {WorkClass::kEp, WorkClass::kTp, WorkClass::kCp, WorkClass::kPp, WorkClass::kDp}) {
    if (kind == WorkClass::kCp && s.layout.cp == 1) continue;  // the closed form's keys: "cp" only with CP
    const auto exposed = critical.exposed_comm_by_kind_s.find(kind);
    e.exposed_comm_by_kind_s[std::string(work_class_name(kind))] =
        exposed == critical.exposed_comm_by_kind_s.end() ? 0.0 : exposed->second;
  }
  e.exposed_comm_s = critical.exposed_comm_s();
  const auto ep = critical.comm_by_kind_s.find(WorkClass::kEp);
  if (ep != critical.comm_by_kind_s.end()) e.hidden_comm_s = std::max(0.0, ep->second - e.exposed_comm_by_kind_s["ep"]);
  set_throughput(s, e);
  if (reference) {
    e.straggler_s = e.step_time_s - timelines.back().makespan_s;
    out.reference_cpu_s = cpu_s.back();
  }
  return out;
}

}  // namespace trainsim::sim
