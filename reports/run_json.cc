// The JSON form of a run report. Keys are sorted (nlohmann's default object), numbers in SI units.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "hardware/calibrated_constants.h"
#include "hardware/calibration.h"
#include "models/model_size.h"
#include "reports/op_pricing_report.h"
#include "reports/run_report.h"

namespace trainsim::reports {
namespace {

// nlohmann writes inf and NaN as null: a figure that is not finite is a bug, named by its key path here
// rather than hidden in the file (sim/cost/finite_figures.h checks the run's figures before).
void check_finite(const nlohmann::json& value, const std::string& path) {
  if (value.is_number_float() && !std::isfinite(value.get<double>()))
    throw_check_failure("std::isfinite(value)", __FILE__, __LINE__, fmt::format("{} is {}", path, value.get<double>()));
  if (value.is_object())
    for (const auto& [key, child] : value.items()) check_finite(child, path.empty() ? key : path + "." + key);
  if (value.is_array())
    for (std::size_t i = 0; i < value.size(); ++i) check_finite(value[i], fmt::format("{}[{}]", path, i));
}

// Facility energy, its IT parts and the power figures they come from (sim/cost/energy_estimate.h).
nlohmann::json energy_json(const RunReport& r) {
  const sim::RunEnergy& e = r.run.energy;
  const hw::ClusterSpec& c = r.scenario.cluster;
  return {{"facility_mwh", e.facility_mwh()},   {"gpus_mwh", e.gpus_mwh},
          {"nodes_mwh", e.nodes_mwh},           {"network_mwh", e.network_mwh},
          {"pue", e.pue},                       {"switches", e.switches},
          {"network_known", e.network_known},   {"mwh_per_trillion_tokens", e.mwh_per_trillion_tokens},
          {"gpu_idle_w", c.power.gpu_idle_w},   {"gpu_tdp_w", c.gpu.power_w},
          {"node_overhead_w", c.power.node_overhead_w}, {"switch_w", c.power.switch_w}};
}

// How the dollars were computed (sim/cost/run_dollars.h).
nlohmann::json dollars_json(const RunReport& r) {
  const sim::DollarRates& d = r.run.dollars;
  nlohmann::json out = {{"method", std::string(sim::dollars_method_name(d.method))},
                        {"usd_per_gpu_hour", d.usd_per_gpu_hour()}};
  if (d.method == sim::DollarsMethod::kCapex)
    out.update({{"capital_usd_per_gpu_hour", d.capital_usd_per_gpu_hour},
                {"facility_usd_per_gpu_hour", d.facility_usd_per_gpu_hour},
                {"provisioned_kw_per_gpu", d.provisioned_kw_per_gpu},
                {"electricity_usd_per_mwh", d.electricity_usd_per_mwh},
                {"depreciation_years", r.scenario.cluster.capex.depreciation_years}});
  return out;
}

}  // namespace

std::string format_run_json(const RunReport& r) {
  using nlohmann::json;
  const sim::Scenario& s = r.scenario;
  const models::ModelConfig& m = s.job.model;
  const models::ParameterCounts params = models::count_parameters(m);
  const sim::StepEstimate& e = r.estimate.step;
  const sim::ParallelLayout& l = s.layout;

  json out;
  out["fidelity"] = r.fidelity;
  out["scenario"] = {{"file", s.source},       {"seed", s.seed},         {"gpus", s.cluster.gpu_count()},
                     {"gpu", s.cluster.gpu.key}, {"nodes", s.cluster.nodes}, {"schedule", sim::schedule_name(l.schedule)},
                     {"pp", l.pp},             {"tp", l.tp},             {"cp", l.cp},             {"ep", l.ep},
                     {"tp_comm_overlap", l.tp_comm_overlap}, {"ep_overlap", l.ep_overlap},
                     {"ep_dispatch", models::ep_dispatch_name(l.ep_dispatch)},
                     {"dp", l.dp},             {"zero_stage", l.zero_stage}, {"virtual_stages", l.virtual_stages},
                     {"micro_batch_size", l.micro_batch_size},
                     {"recompute", models::recompute_description(l.recompute, l.recompute_modules)},
                     {"attention_kernel", models::attention_kernel_name(l.attention_kernel)},
                     {"cross_entropy_kernel", models::cross_entropy_kernel_name(l.cross_entropy_kernel)},
                     {"residual_add", models::residual_add_name(l.residual_add)},
                     {"gradient_accumulation_fusion", l.gradient_accumulation_fusion},
                     {"pipeline_p2p", sim::pipeline_p2p_name(l.pipeline_p2p)}};
  // Which calibration the scenario chose, and which model priced each kernel family (op_pricing).
  const std::shared_ptr<const hw::CalibratedConstants> calibrated =
      hw::calibrated_constants(s.cluster.calibration, s.cluster.gpu);
  if (const std::shared_ptr<const hw::Calibration>& c = s.cluster.calibration) {
    json points = json::object();
    for (const auto& [family, count] : c->points_by_family()) points[std::string(hw::kernel_family_name(family))] = count;
    out["calibration"] = {{"file", c->file},
                          {"source", hw::calibration_source_name(c->source.kind)},
                          {"device", c->device.name},
                          {"points_by_family", points},
                          {"op_times_priced_by", op_times_priced_by(*calibrated)}};
  } else {
    out["calibration"] = {{"file", "none (datasheet roofline)"}, {"op_times_priced_by", "datasheet roofline"}};
  }
  out["op_pricing"] = op_pricing_json(*calibrated);
  out["model"] = {{"name", m.name},
                  {"params_total", params.total},
                  {"params_active", params.active},
                  {"params_mtp", params.mtp},
                  {"train_flops_per_token", models::train_flops_per_token(m, s.job.sequence_length)},
                  {"kv_cache_bytes_per_token", m.kv_cache_bytes_per_token()}};
  json layers = json::array();
  for (const sim::Stage& stage : r.estimate.plan.stages) layers.push_back(stage.layer_count);
  out["placement"] = {{"layers_per_stage", layers}};
  json bounds = json::object();
  for (const auto& [kind, bound] : e.comm_bound_by_kind) bounds[kind] = sim::comm_bound_name(bound);
  json stage_chunks = json::array();
  for (const sim::ChunkTimes& c : e.pipeline.stage_chunks)
    stage_chunks.push_back({{"F", c.forward_s}, {"B", c.backward_s}, {"W", c.weight_backward_s}, {"F&B", c.overlapped_s}});
  json pipeline = {{"stage_chunks_s", stage_chunks},
                   {"executed", e.pipeline.executed},
                   {"formula_bubble_s", e.pipeline.formula_bubble_s},
                   {"formula_bubble_definition", sim::kBubbleFormula},
                   {"formula_is_exact", e.pipeline.formula_is_exact}};
  if (e.pipeline.executed) {
    pipeline["executed_makespan_s"] = e.pipeline.executed_makespan_s;
    pipeline["executed_bubble_s"] = e.pipeline.executed_bubble_s;
    pipeline["executed_bubble_definition"] = sim::kBubbleLargestIdle;
  }
  out["step"] = {{"time_s", e.step_time_s},
                 {"compute_s", e.compute_s},
                 {"bubble_s", e.bubble_s},
                 {"bubble_definition", e.bubble_definition},
                 {"exposed_comm_s", e.exposed_comm_s},
                 {"exposed_comm_by_kind_s", e.exposed_comm_by_kind_s},
                 {"comm_bound_by_kind", bounds},
                 {"hidden_comm_s", e.hidden_comm_s},
                 {"straggler_s", e.straggler_s},
                 {"optimizer_s", e.optimizer_s},
                 {"compute_by_op_kind_s", e.compute_by_kind_s},
                 {"global_batch_sequences", e.global_batch_sequences},
                 {"microbatches", e.microbatches},
                 {"critical_device", e.critical_device},
                 {"chunk_s", {{"F", e.chunk.forward_s}, {"B", e.chunk.backward_s}, {"W", e.chunk.weight_backward_s},
                              {"F&B", e.chunk.overlapped_s}}},
                 {"pipeline", pipeline},
                 {"model_flops", e.model_flops_per_step},
                 {"mfu", e.mfu},
                 {"tokens_per_s_per_gpu", e.tokens_per_s_per_gpu}};
  json terms = json::object();
  for (const models::MemoryTerm& t : r.estimate.memory.breakdown.terms) terms[t.name] = t.bytes;
  out["memory"] = {{"peak_bytes_per_gpu", r.estimate.memory.breakdown.total_bytes()},
                   {"capacity_bytes", r.estimate.memory.capacity_bytes},
                   {"device", r.estimate.memory.device},
                   {"terms_bytes", terms}};
  // Only a run priced with --allow-oom can be over; a run that fits has no such key.
  if (!r.estimate.memory.fits()) out["memory"]["over_capacity_bytes"] = r.estimate.memory.over_capacity_bytes();
  json phases = json::array();
  for (const sim::RunPhase& p : r.run.phases)
    phases.push_back({{"phase", p.phase},
                      {"sequence_length", p.sequence_length},
                      {"global_batch_sequences", p.global_batch_sequences},
                      {"tokens", p.tokens},
                      {"steps", p.steps},
                      {"step_time_s", p.step_time_s},
                      {"given_gpu_hours", p.given_gpu_hours},
                      {"utilisation", p.utilisation},
                      {"energy_mwh", p.energy_mwh},
                      {"cost_usd", p.cost_usd}});
  out["routing"] = r.routing.empty() ? "balanced" : r.routing;
  out["run"] = {{"steps", r.run.steps},
                {"gpu_hours", r.run.gpu_hours},
                {"cost_usd", r.run.cost_usd},
                {"days", r.run.days()},
                {"energy_mwh", r.run.energy_mwh},
                {"energy", energy_json(r)},
                {"dollars", dollars_json(r)},
                {"gpu_hours_per_trillion_tokens", r.run.gpu_hours_per_trillion_tokens},
                {"tokens", s.job.total_tokens},
                {"phases", phases}};
  if (r.run.failures) {
    const sim::FailureCost& f = *r.run.failures;
    out["run"]["failures"] = {{"job_mtbf_s", f.job_mtbf_s},
                              {"checkpoint_bytes", f.checkpoint_bytes},
                              {"checkpoint_write_s", f.checkpoint_write_s},
                              {"checkpoint_interval_s", f.checkpoint_interval_s},
                              {"restart_s", f.restart_s},
                              {"interruptions", f.interruptions},
                              {"goodput", f.goodput()},
                              {"wall_time_s", f.wall_time_s},
                              {"gpu_hours", r.run.gpu_hours_with_failures()},
                              {"days", r.run.days_with_failures()}};
  }
  json notes = r.estimate.notes;
  for (const std::string& note : r.run.notes) notes.push_back(note);
  out["notes"] = notes;
  check_finite(out, "");
  return out.dump(2) + "\n";
}

}  // namespace trainsim::reports
