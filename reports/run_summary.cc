// The terminal summary of a run: what was asked, the step and where its time goes (with bars), memory
// per GPU by term, and the whole run's cost.
#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"
#include "hardware/calibrated_constants.h"
#include "hardware/calibration.h"
#include "models/model_size.h"
#include "reports/layout_description.h"
#include "reports/op_pricing_report.h"
#include "reports/run_report.h"
#include "reports/run_text.h"
#include "reports/text_table.h"
#include "sim/cost/finite_figures.h"

namespace trainsim::reports {
namespace {

std::string gib(double bytes) { return gib_text(bytes); }
std::string big(double v) { return count_text(v); }

std::string bound_note(const RunReport& r) {
  const std::string sentence = comm_bound_sentence(r);
  return sentence.empty() ? "" : "  " + sentence + "\n";
}

// Which calibration the scenario chose, and what priced each kernel family.
std::string calibration_line(const hw::ClusterSpec& cluster) {
  const std::shared_ptr<const hw::Calibration>& c = cluster.calibration;
  // The one published run the project checks at the roofline, NVIDIA's Llama 3.1 405B on 128 B200, came out 20%
  // optimistic (reports/published/validation-megatron-bridge.md): the line says so wherever no measurement prices.
  if (!c)
    return "  calibration none: op times from the datasheet roofline at assumed efficiencies, no measurement (20% "
           "optimistic against NVIDIA's published B200 run, docs/validation.md): calibrate the GPU to trust a plan\n";
  const std::shared_ptr<const hw::CalibratedConstants> calibrated = hw::calibrated_constants(c, cluster.gpu);
  std::string points;
  for (const auto& [family, count] : c->points_by_family())
    points += fmt::format("{}{} {}", points.empty() ? "" : ", ", hw::kernel_family_name(family), count);
  return fmt::format("  calibration {} ({}, {}; points: {})\n  op times  {}\n", c->file,
                     hw::calibration_source_name(c->source.kind), c->device.name, points, op_pricing_line(*calibrated));
}

std::string header(const RunReport& r) {
  const sim::Scenario& s = r.scenario;
  const models::ModelConfig& m = s.job.model;
  const models::ParameterCounts params = models::count_parameters(m);
  const sim::ParallelLayout& l = s.layout;
  std::string out = fmt::format("trainsim: {} ({} fidelity)\n\n", s.source, r.fidelity);
  out += fmt::format("  model     {} ({}): {} parameters, {} active per token{}; {:.1f} GFLOP per token trained at s={}\n",
                     m.name, s.job.model_source, big(params.total), big(params.active),
                     params.mtp > 0 ? fmt::format(", +{} MTP", big(params.mtp)) : "",
                     models::train_flops_per_token(m, s.job.sequence_length) / 1e9, s.job.sequence_length);
  out += fmt::format("  cluster   {} x {} ({} nodes x {}), NVLink {}, NIC {}, {}\n", s.cluster.gpu_count(), s.cluster.gpu.key,
                     s.cluster.nodes, s.cluster.gpus_per_node,
                     format_quantity(s.cluster.nvlink_bandwidth_bytes_per_s, Dimension::kBytesPerSecond),
                     format_quantity(s.cluster.nic_bandwidth_bytes_per_s, Dimension::kBytesPerSecond),
                     hw::topology_name(s.cluster.topology));
  out += calibration_line(s.cluster);
  std::string layers;
  for (const sim::Stage& stage : r.estimate.plan.stages) layers += (layers.empty() ? "" : " ") + std::to_string(stage.layer_count);
  out += "  layout    " + layout_description(l, r.estimate.step.microbatches, s.job.sequence_length) + "\n";
  out += fmt::format("  placement layers per stage: {} (embedding first, output head{} last)\n", layers,
                     m.mtp_depth > 0 ? " and MTP" : "");
  if (m.is_moe())
    out += fmt::format("  routing   {}\n", r.routing.empty() ? "balanced: every expert the same load, as DeepSeek's "
                                                                "published profile assumed (routing: synthetic prices a skew)"
                                                              : r.routing);
  out += "\n";
  return out;
}

std::string step_lines(const RunReport& r) {
  const sim::StepEstimate& e = r.estimate.step;
  std::string out = fmt::format("Step: global batch {} sequences ({} tokens)\n", e.global_batch_sequences,
                                big(e.global_batch_sequences * static_cast<double>(r.scenario.job.sequence_length)));
  TextTable table({"", "time", "share", ""}, {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight});
  auto row = [&](const std::string& name, double s) {
    table.add_row({name, seconds_text(s), fmt::format("{:.1f}%", 100 * s / e.step_time_s), bar(s / e.step_time_s, 30)});
  };
  row("compute", e.compute_s);
  row(fmt::format("pipeline bubble ({})", bubble_definition_word(e.bubble_definition)), e.bubble_s);
  for (const auto& [kind, s] : e.exposed_comm_by_kind_s)
    if (s > 0) row(fmt::format("exposed {} comm ({})", kind, comm_bound_text(e, kind)), s);
  row("optimizer", e.optimizer_s);
  table.add_row({"step time", seconds_text(e.step_time_s), "100%", ""});
  out += table.render("  ");
  if (e.hidden_comm_s > 0) out += fmt::format("  ({} of EP all-to-all hidden under compute)\n", seconds_text(e.hidden_comm_s));
  if (e.straggler_s > 0)
    out += fmt::format("  routing stragglers: {} ({:.1f}% of the step) over the same step at the balanced expert load\n",
                       seconds_text(e.straggler_s), 100 * e.straggler_s / e.step_time_s);
  out += fmt::format("  bubble {}\n", e.bubble_definition);
  const sim::PipelineFigures& p = e.pipeline;
  if (p.executed)
    out += fmt::format("  the {} schedule executed on the priced chunk times: makespan {}, largest idle of any device {};\n"
                       "  its published formula bubble {} ({})\n",
                       sim::schedule_name(r.scenario.layout.schedule), seconds_text(p.executed_makespan_s),
                       seconds_text(p.executed_bubble_s), seconds_text(p.formula_bubble_s),
                       p.formula_is_exact ? "exact here" : "an estimate here");
  out += bound_note(r);
  out += fmt::format("  MFU {:.1f}% of the BF16 dense peak; {:.0f} tokens/s per GPU\n\n", 100 * e.mfu, e.tokens_per_s_per_gpu);

  out += fmt::format("Compute by op kind (pipeline device {}, per step)\n", e.critical_device);
  std::vector<std::pair<std::string, double>> kinds(e.compute_by_kind_s.begin(), e.compute_by_kind_s.end());
  std::stable_sort(kinds.begin(), kinds.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  TextTable by_kind({"op kind", "time", ""}, {TextTable::Align::kLeft, TextTable::Align::kRight});
  for (const auto& [kind, s] : kinds)
    if (s > 0) by_kind.add_row({kind, seconds_text(s), bar(s / e.compute_s, 30)});
  return out + by_kind.render("  ") + "\n";
}

std::string memory_lines(const RunReport& r) {
  const sim::MemoryEstimate& m = r.estimate.memory;
  std::string out = fmt::format("Memory per GPU: {} of {} (pipeline device {}, the largest)\n", gib(m.breakdown.total_bytes()),
                                gib(m.capacity_bytes), m.device);
  if (!m.fits()) out += fmt::format("  DOES NOT FIT: {} over the GPU's memory (--allow-oom)\n", gib(m.over_capacity_bytes()));
  TextTable table({"term", "size", ""}, {TextTable::Align::kLeft, TextTable::Align::kRight});
  for (const models::MemoryTerm& t : m.breakdown.terms) table.add_row({t.name, gib(t.bytes), bar(t.bytes / m.capacity_bytes, 30)});
  return out + table.render("  ") + "\n";
}

// The failure-free figures above, then what interruptions add (sim/cost/failure_cost.h).
std::string failure_lines(const RunReport& r) {
  const sim::RunEstimate& run = r.run;
  if (!run.failures) return "  failures    none modelled (cluster.failures: none)\n";
  const sim::FailureCost& f = *run.failures;
  const hw::FailureSpec& spec = r.scenario.cluster.failures;
  std::string out = fmt::format("  failures    {:.0f} interruptions expected (one per {} on {} GPUs), goodput {:.1f}%: "
                                "+{} GPU-hours, +{:.1f} days\n",
                                f.interruptions, format_quantity(f.job_mtbf_s, Dimension::kSeconds),
                                r.scenario.cluster.gpu_count(), 100.0 * f.goodput(),
                                big(run.gpu_hours_with_failures() - run.gpu_hours), f.added_s() / 86400.0);
  out += fmt::format("              checkpoint {} written in {} every {} ({}), restart {} ({})\n",
                     format_quantity(f.checkpoint_bytes, Dimension::kBytes),
                     format_quantity(f.checkpoint_write_s, Dimension::kSeconds),
                     format_quantity(f.checkpoint_interval_s, Dimension::kSeconds),
                     f.interval_optimal ? "Daly's optimum" : "the scenario's",
                     format_quantity(f.restart_s, Dimension::kSeconds),
                     spec.restart_assumed ? "an assumed 10 min, then the checkpoint read back" : "the scenario's, then the checkpoint read back");
  out += fmt::format("  with them   {} GPU-hours, {:.1f} days\n", big(run.gpu_hours_with_failures()), run.days_with_failures());
  return out;
}

// Rented: GPU-hours at the price; owned: depreciation and facility per GPU-hour, and electricity.
std::string cost_line(const RunReport& r) {
  const sim::RunEstimate& run = r.run;
  const sim::DollarRates& d = run.dollars;
  if (d.method == sim::DollarsMethod::kRental)
    return fmt::format("  cost        ${} at {} per GPU (rental)\n", big(run.cost_usd),
                       format_quantity(r.scenario.cluster.price_usd_per_gpu_s, Dimension::kUsdPerHour));
  return fmt::format("  cost        ${} (capex): ${:.3f} per GPU-hour of hardware over {:g} years + ${:.3f} of facility "
                     "for {:.2f} kW, and ${:.3f}/kWh of electricity\n",
                     big(run.cost_usd), d.capital_usd_per_gpu_hour, r.scenario.cluster.capex.depreciation_years,
                     d.facility_usd_per_gpu_hour, d.provisioned_kw_per_gpu, d.electricity_usd_per_mwh / 1000.0);
}

// Facility energy and what it is made of (sim/cost/energy_estimate.h).
std::string energy_lines(const RunReport& r) {
  const sim::RunEnergy& e = r.run.energy;
  const hw::ClusterSpec& c = r.scenario.cluster;
  std::string out = fmt::format("  energy      {:.0f} MWh ({:.0f} per trillion tokens) = PUE {:.2f} x ({:.0f} GPUs + {:.0f} "
                                "nodes + {:.0f} network)\n",
                                e.facility_mwh(), e.mwh_per_trillion_tokens, e.pue, e.gpus_mwh, e.nodes_mwh, e.network_mwh);
  double main_utilisation = 0;  // the full batch's: the main training's last segment
  for (const sim::RunPhase& p : r.run.phases)
    if (p.phase == "pre-training") main_utilisation = p.utilisation;
  out += fmt::format("              GPUs idle {:.0f} W to TDP {:.0f} W, {:.0f}% utilised in the full batch's step; nodes +{} "
                     "each; {}\n",
                     c.power.gpu_idle_w, c.gpu.power_w, 100.0 * main_utilisation,
                     format_quantity(c.power.node_overhead_w, Dimension::kWatts),
                     e.network_known ? fmt::format("{} switches at {}", e.switches, format_quantity(c.power.switch_w, Dimension::kWatts))
                                     : std::string("switches left out"));
  return out;
}

// Each phase's modelled steps and GPU-hours (the ramp's segments summed into the main training), or its given
// GPU-hours.
std::string phase_table(const sim::RunEstimate& run) {
  TextTable table({"phase", "sequence", "batch", "steps", "step time", "GPU-hours", "MWh", "cost"},
                  {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight,
                   TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight});
  for (const PhaseRow& row : phase_rows(run)) {
    if (row.sequence_length == 0)
      table.add_row({row.phase, "-", "-", "-", "-", fmt::format("{} (given)", big(row.gpu_hours)),
                     fmt::format("{:.0f}", row.energy_mwh), "$" + big(row.cost_usd)});
    else
      table.add_row({row.phase, fmt::format("{}", row.sequence_length),
                     row.batch_min == row.batch_max ? fmt::format("{}", row.batch_max)
                                                    : fmt::format("{}-{}", row.batch_min, row.batch_max),
                     fmt::format("{:.0f}", row.steps), seconds_text(row.mean_step_time_s), big(row.gpu_hours),
                     fmt::format("{:.0f}", row.energy_mwh), "$" + big(row.cost_usd)});
  }
  return table.render("    ");
}

std::string run_lines(const RunReport& r) {
  const sim::RunEstimate& run = r.run;
  const sim::TrainingJob& job = r.scenario.job;
  std::string out = fmt::format("Run: {} tokens{}\n", big(job.total_tokens),
                                job.ramp ? fmt::format(", batch ramp {} -> {} sequences over {} tokens", job.ramp->from_sequences,
                                                       job.global_batch_sequences, big(job.ramp->over_tokens))
                                         : "");
  out += fmt::format("  steps       {:.0f}\n", run.steps);
  if (!r.scenario.phases.empty()) out += phase_table(run);
  out += fmt::format("  GPU-hours   {} ({} per trillion tokens)\n", big(run.gpu_hours), big(run.gpu_hours_per_trillion_tokens));
  out += cost_line(r);
  out += fmt::format("  calendar    {:.1f} days on {} GPUs\n", run.days(), r.scenario.cluster.gpu_count());
  out += energy_lines(r);
  return out + failure_lines(r) + "\n";
}

}  // namespace

std::string format_run_summary(const RunReport& report) {
  sim::check_figures_finite(report.estimate, report.run);  // no "inf" or "-nan" on a terminal
  std::string out = header(report) + step_lines(report) + memory_lines(report) + run_lines(report);
  out += "Notes\n";
  for (const std::string& note : report.estimate.notes) out += "  - " + note + "\n";
  for (const std::string& note : report.run.notes) out += "  - " + note + "\n";
  return out;
}

}  // namespace trainsim::reports
