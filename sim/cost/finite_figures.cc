// Every number the run reports (reports/run_summary.cc, reports/run_json.cc), checked by name.
#include "sim/cost/finite_figures.h"

#include <cmath>

#include "core/error.h"

namespace trainsim::sim {
namespace {

void check(const std::string& name, double value) {
  if (!std::isfinite(value))
    throw_check_failure("std::isfinite(figure)", __FILE__, __LINE__, fmt::format("{} is {}", name, value));
}

void check_chunk(const std::string& name, const ChunkTimes& c) {
  check(name + ".F", c.forward_s);
  check(name + ".B", c.backward_s);
  check(name + ".W", c.weight_backward_s);
  check(name + ".F&B", c.overlapped_s);
}

void check_step(const StepEstimate& e) {
  check("step.time_s", e.step_time_s);
  check("step.compute_s", e.compute_s);
  check("step.bubble_s", e.bubble_s);
  check("step.exposed_comm_s", e.exposed_comm_s);
  for (const auto& [kind, s] : e.exposed_comm_by_kind_s) check("step.exposed_comm_by_kind_s." + kind, s);
  check("step.hidden_comm_s", e.hidden_comm_s);
  check("step.optimizer_s", e.optimizer_s);
  for (const auto& [kind, s] : e.compute_by_kind_s) check("step.compute_by_op_kind_s." + kind, s);
  check("step.model_flops", e.model_flops_per_step);
  check("step.mfu", e.mfu);
  check("step.tokens_per_s_per_gpu", e.tokens_per_s_per_gpu);
  check_chunk("step.chunk_s", e.chunk);
  for (const ChunkTimes& c : e.pipeline.stage_chunks) check_chunk("step.pipeline.stage_chunks_s", c);
  check("step.pipeline.executed_makespan_s", e.pipeline.executed_makespan_s);
  check("step.pipeline.executed_bubble_s", e.pipeline.executed_bubble_s);
  check("step.pipeline.formula_bubble_s", e.pipeline.formula_bubble_s);
}

}  // namespace

void check_figures_finite(const Estimate& estimate, const RunEstimate& run) {
  check_step(estimate.step);
  for (const models::MemoryTerm& t : estimate.memory.breakdown.terms) check("memory.terms_bytes." + t.name, t.bytes);
  check("memory.capacity_bytes", estimate.memory.capacity_bytes);
  for (const RunPhase& p : run.phases) {
    check("run.phases.tokens", p.tokens);
    check("run.phases.steps", p.steps);
    check("run.phases.step_time_s", p.step_time_s);
  }
  check("run.steps", run.steps);
  check("run.wall_time_s", run.wall_time_s);
  check("run.gpu_hours", run.gpu_hours);
  check("run.cost_usd", run.cost_usd);
  check("run.energy_mwh", run.energy_mwh);
  check("run.gpu_hours_per_trillion_tokens", run.gpu_hours_per_trillion_tokens);
}

}  // namespace trainsim::sim
