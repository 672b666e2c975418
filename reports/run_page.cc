// The content of a run's report page (run_page.h). Figures are formatted as the terminal summary formats them
// (run_text.h); the pictures come from the chart writers (bar_chart_svg.h, schedule_svg.h, routing_charts.h).
#include "reports/run_page.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"
#include "hardware/calibrated_constants.h"
#include "hardware/calibration.h"
#include "models/model_size.h"
#include "reports/bar_chart_svg.h"
#include "reports/layout_description.h"
#include "reports/op_pricing_report.h"
#include "reports/routing_charts.h"
#include "reports/run_text.h"
#include "reports/schedule_svg.h"
#include "sim/scenario/layout_rules.h"
#include "sim/schedules/schedule_run.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::reports {
namespace {

std::string usd(double v) { return "$" + count_text(v); }
std::string bandwidth(double bytes_per_s) { return format_quantity(bytes_per_s, Dimension::kBytesPerSecond); }

std::string layout_text(const RunReport& r) {
  return layout_description(r.scenario.layout, r.estimate.step.microbatches, r.scenario.job.sequence_length);
}

PageSection summary_section(const RunReport& r) {
  const sim::Scenario& s = r.scenario;
  const models::ModelConfig& m = s.job.model;
  const models::ParameterCounts params = models::count_parameters(m);
  const sim::StepEstimate& e = r.estimate.step;
  const sim::RunEstimate& run = r.run;
  PageTable t{{"item", "value"}, {false, false}, {}};
  t.rows.push_back({"scenario", fmt::format("{} ({} fidelity)", s.source, r.fidelity)});
  t.rows.push_back({"model", fmt::format("{} ({}): {} parameters, {} active per token{}; {:.1f} GFLOP per token trained at "
                                         "s={}",
                                         m.name, s.job.model_source, count_text(params.total), count_text(params.active),
                                         params.mtp > 0 ? fmt::format(", +{} MTP", count_text(params.mtp)) : "",
                                         models::train_flops_per_token(m, s.job.sequence_length) / 1e9,
                                         s.job.sequence_length)});
  t.rows.push_back({"cluster", fmt::format("{} x {} ({} nodes x {}), NVLink {}, NIC {}, {}", s.cluster.gpu_count(),
                                           s.cluster.gpu.key, s.cluster.nodes, s.cluster.gpus_per_node,
                                           bandwidth(s.cluster.nvlink_bandwidth_bytes_per_s),
                                           bandwidth(s.cluster.nic_bandwidth_bytes_per_s), hw::topology_name(s.cluster.topology))});
  t.rows.push_back({"layout", layout_text(r)});
  t.rows.push_back({"step", fmt::format("{} for {} sequences ({} tokens); MFU {} of the BF16 dense peak; {:.0f} tokens/s "
                                        "per GPU",
                                        seconds_text(e.step_time_s), e.global_batch_sequences,
                                        count_text(e.global_batch_sequences * static_cast<double>(s.job.sequence_length)),
                                        percent_text(e.mfu), e.tokens_per_s_per_gpu)});
  const sim::MemoryEstimate& mem = r.estimate.memory;
  t.rows.push_back({"memory per GPU", fmt::format("{} of {}{}", gib_text(mem.breakdown.total_bytes()), gib_text(mem.capacity_bytes),
                                                  mem.fits() ? "" : " (does not fit)")});
  t.rows.push_back({"run", fmt::format("{} tokens in {:.0f} steps: {} GPU-hours, {}, {:.1f} days, {:.0f} MWh at the facility "
                                       "(GPUs, nodes, network, PUE)",
                                       count_text(s.job.total_tokens), run.steps, count_text(run.gpu_hours),
                                       usd(run.cost_usd), run.days(), run.energy_mwh)});
  if (run.failures)
    t.rows.push_back({"with failures", fmt::format("{} GPU-hours, {:.1f} days (goodput {})",
                                                   count_text(run.gpu_hours_with_failures()), run.days_with_failures(),
                                                   percent_text(run.failures->goodput()))});
  return {"summary", "Summary", {table_block(t)}};
}

PageSection step_section(const RunReport& r) {
  const sim::StepEstimate& e = r.estimate.step;
  PageTable t{{"part", "time", "share of the step"}, {false, true, true}, {}};
  BarChart chart{fmt::format("Step time: {} ({} fidelity)", seconds_text(e.step_time_s), r.fidelity), {}, 0, ""};
  auto add = [&](const std::string& name, double s) {
    t.rows.push_back({name, seconds_text(s), percent_text(s / e.step_time_s)});
    chart.rows.push_back({name, s, seconds_text(s)});
  };
  add("compute", e.compute_s);
  add(fmt::format("pipeline bubble ({})", bubble_definition_word(e.bubble_definition)), e.bubble_s);
  for (const auto& [kind, s] : e.exposed_comm_by_kind_s)
    if (s > 0) add(fmt::format("exposed {} comm ({})", kind, comm_bound_text(e, kind)), s);
  add("optimizer", e.optimizer_s);
  t.rows.push_back({"step time", seconds_text(e.step_time_s), "100%"});
  t.last_row_is_total = true;
  PageSection out{"step-time", "Step time", {table_block(t)}};
  out.blocks.push_back(figure_block({"step-time.svg", bar_chart_svg(chart),
                                     "Where the step's time goes on the critical pipeline device"}));
  std::vector<PageText> items;
  items.push_back(prose("bubble " + e.bubble_definition));
  if (e.hidden_comm_s > 0) items.push_back(prose(seconds_text(e.hidden_comm_s) + " of EP all-to-all hidden under compute"));
  if (e.straggler_s > 0)
    items.push_back(prose(fmt::format("routing stragglers: {} ({} of the step) over the same step at the balanced expert "
                                      "load",
                                      seconds_text(e.straggler_s), percent_text(e.straggler_s / e.step_time_s))));
  const std::string bound = comm_bound_sentence(r);
  if (!bound.empty()) items.push_back(prose(bound));
  for (const auto& [kind, b] : e.comm_bound_by_kind)
    if (e.exposed_comm_by_kind_s.count(kind) == 0 || e.exposed_comm_by_kind_s.at(kind) <= 0)
      if (b != sim::CommBound::kNone)
        items.push_back(prose(fmt::format("{} communication: {}, entirely hidden or overlapped", kind, comm_bound_text(e, kind))));
  items.push_back(prose(fmt::format("MFU {} of the BF16 dense peak; {:.0f} tokens/s per GPU", percent_text(e.mfu),
                                    e.tokens_per_s_per_gpu)));
  out.blocks.push_back(bullet_list(items));
  return out;
}

PageSection compute_section(const RunReport& r) {
  const sim::StepEstimate& e = r.estimate.step;
  std::vector<std::pair<std::string, double>> kinds(e.compute_by_kind_s.begin(), e.compute_by_kind_s.end());
  std::stable_sort(kinds.begin(), kinds.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  PageTable t{{"op kind", "time per step", "share of compute"}, {false, true, true}, {}};
  BarChart chart{fmt::format("Compute by op kind, pipeline device {}: {}", e.critical_device, seconds_text(e.compute_s)), {}, 0, ""};
  for (const auto& [kind, s] : kinds) {
    if (s <= 0) continue;
    t.rows.push_back({kind, seconds_text(s), percent_text(s / e.compute_s)});
    chart.rows.push_back({kind, s, seconds_text(s)});
  }
  t.rows.push_back({"compute", seconds_text(e.compute_s), "100%"});
  t.last_row_is_total = true;
  return {"compute",
          "Compute by op kind",
          {paragraph(prose(fmt::format("Busy compute of pipeline device {} (the critical one) over one step, by op kind.",
                                       e.critical_device))),
           table_block(t), figure_block({"compute-by-kind.svg", bar_chart_svg(chart), "Compute time by op kind"})}};
}

PageSection memory_section(const RunReport& r) {
  const sim::MemoryEstimate& m = r.estimate.memory;
  PageTable t{{"term", "size", "share of HBM"}, {false, true, true}, {}};
  BarChart chart{fmt::format("Memory per GPU, pipeline device {}: {} of {}", m.device, gib_text(m.breakdown.total_bytes()),
                             gib_text(m.capacity_bytes)),
                 {}, m.capacity_bytes, fmt::format("HBM {}", gib_text(m.capacity_bytes))};
  for (const models::MemoryTerm& term : m.breakdown.terms) {
    t.rows.push_back({term.name, gib_text(term.bytes), percent_text(term.bytes / m.capacity_bytes)});
    chart.rows.push_back({term.name, term.bytes, gib_text(term.bytes)});
  }
  chart.rows.push_back({"total", m.breakdown.total_bytes(), gib_text(m.breakdown.total_bytes())});
  t.rows.push_back({"total", gib_text(m.breakdown.total_bytes()), percent_text(m.breakdown.total_bytes() / m.capacity_bytes)});
  t.last_row_is_total = true;
  PageSection out{"memory", "Memory per GPU", {}};
  out.blocks.push_back(paragraph(prose(fmt::format("Pipeline device {}, the one with the largest footprint: {} of {}.{}",
                                                   m.device, gib_text(m.breakdown.total_bytes()), gib_text(m.capacity_bytes),
                                                   m.fits() ? "" : fmt::format(" DOES NOT FIT: {} over the GPU's memory "
                                                                               "(priced with --allow-oom).",
                                                                               gib_text(m.over_capacity_bytes()))))));
  out.blocks.push_back(table_block(t));
  out.blocks.push_back(figure_block({"memory.svg", bar_chart_svg(chart), "Memory per GPU by term, against the GPU's HBM"}));
  return out;
}

// The scenario's schedule run by the ideal executor on the priced stage chunks: the run PipelineFigures reports.
PageSection pipeline_section(const RunReport& r) {
  const sim::StepEstimate& e = r.estimate.step;
  const sim::PipelineFigures& p = e.pipeline;
  PageSection out{"pipeline", "Pipeline timeline", {}};
  const std::shared_ptr<const sim::ResolvedSchedule> schedule = sim::schedule_if_valid(r.scenario.layout, e.microbatches);
  if (!p.executed || !schedule) {
    out.blocks.push_back(paragraph(prose(fmt::format("The {} schedule cannot take {} micro-batches on these stages, so no "
                                                     "timeline is drawn; the bubble is the published formula's ({}).",
                                                     sim::schedule_name(r.scenario.layout.schedule), e.microbatches,
                                                     seconds_text(p.formula_bubble_s)))));
    return out;
  }
  const sim::ScheduleRun run = sim::run_schedule(schedule->schedule, schedule->dependencies, p.stage_chunks);
  out.blocks.push_back(paragraph(prose(fmt::format(
      "The {} schedule of {} micro-batches executed on the priced chunk times of each stage (the ideal executor: no "
      "contention): makespan {}, largest idle time of any device {}; its published formula gives {} ({}).{}",
      sim::schedule_name(r.scenario.layout.schedule), e.microbatches, seconds_text(p.executed_makespan_s),
      seconds_text(p.executed_bubble_s), seconds_text(p.formula_bubble_s), p.formula_is_exact ? "exact here" : "an estimate here",
      schedule_svg_draws_bands(schedule->schedule) ? fmt::format(" With more than {} ops the picture shows each device's busy bands.",
                                                        kScheduleSvgMaxOps)
                                          : ""))));
  out.blocks.push_back(figure_block({"pipeline-timeline.svg", schedule_svg(schedule->schedule, run),
                                     fmt::format("{} on {} devices, {} micro-batches", sim::schedule_name(r.scenario.layout.schedule),
                                                 schedule->schedule.ranks(), e.microbatches)}));
  return out;
}

PageSection routing_section(const RunPageInput& in) {
  const RunReport& r = in.report;
  PageSection out{"routing", "Routing imbalance", {}};
  if (!r.scenario.job.model.is_moe()) {
    out.blocks.push_back(paragraph(prose("A dense model: no experts, no routing imbalance.")));
    return out;
  }
  if (!in.routed_load || in.routed_load->microbatches.empty()) {
    out.blocks.push_back(paragraph(prose("Not modelled in this run: routing is balanced (every expert the same load, as "
                                         "DeepSeek's published profile assumed). ") +
                                   code("routing: synthetic") + prose(" or a replayed file prices a skew and draws each GPU's load here.")));
    return out;
  }
  const sim::StepEstimate& e = r.estimate.step;
  out.blocks.push_back(paragraph(prose("Routed: " + r.routing + ".")));
  if (e.straggler_s > 0)
    out.blocks.push_back(paragraph(prose(fmt::format("The step waits {} ({} of it) at the all-to-alls for the busiest GPU's "
                                                     "experts, over the same step at the balanced load.",
                                                     seconds_text(e.straggler_s), percent_text(e.straggler_s / e.step_time_s)))));
  const models::RoutedStepLoad& load = *in.routed_load;
  GpuLoadMap map;
  map.title = fmt::format("{}: routed rows per GPU of one EP group (EP {}), first micro-batch", r.scenario.job.model.name, load.ep);
  for (const models::RoutedLayerLoad& layer : load.microbatches.front()) {
    map.layer_names.push_back(fmt::format("layer {}", layer.layer));
    map.loads.emplace_back(layer.rows_per_rank.begin(), layer.rows_per_rank.end());
  }
  map.gpus_per_node = load.gpus_per_node;
  out.blocks.push_back(figure_block({"routing-load.svg", gpu_load_heatmap_svg(map),
                                     "Each GPU's routed rows per MoE layer over the layer's mean; the busiest outlined"}));
  return out;
}

PageSection cost_section(const RunReport& r) {
  const sim::RunEstimate& run = r.run;
  PageTable t{{"phase", "sequence", "batch", "steps", "step time", "GPU-hours", "MWh", "cost"},
              {false, true, true, true, true, true, true, true},
              {}};
  for (const PhaseRow& row : phase_rows(run)) {
    if (row.sequence_length == 0) {
      t.rows.push_back({row.phase, "-", "-", "-", "-", count_text(row.gpu_hours) + " (given)", fmt::format("{:.0f}", row.energy_mwh),
                        usd(row.cost_usd)});
      continue;
    }
    t.rows.push_back({row.phase, fmt::format("{}", row.sequence_length),
                      row.batch_min == row.batch_max ? fmt::format("{}", row.batch_max)
                                                     : fmt::format("{}-{}", row.batch_min, row.batch_max),
                      fmt::format("{:.0f}", row.steps), seconds_text(row.mean_step_time_s), count_text(row.gpu_hours),
                      fmt::format("{:.0f}", row.energy_mwh), usd(row.cost_usd)});
  }
  t.rows.push_back({"run", "", "", fmt::format("{:.0f}", run.steps), "", count_text(run.gpu_hours), fmt::format("{:.0f}", run.energy_mwh),
                    usd(run.cost_usd)});
  t.last_row_is_total = true;
  const sim::TrainingJob& job = r.scenario.job;
  return {"cost",
          "Cost per phase",
          {paragraph(prose(fmt::format("{} tokens{} at {} per GPU: {} GPU-hours per trillion tokens, {:.1f} calendar days on {} "
                                       "GPUs, {:.0f} MWh at the facility (GPUs between idle and TDP, nodes, network, times the PUE). A ramp's "
                                       "step time is its segments' mean.",
                                       count_text(job.total_tokens),
                                       job.ramp ? fmt::format(" (batch ramp {} -> {} sequences over {} tokens)",
                                                              job.ramp->from_sequences, job.global_batch_sequences,
                                                              count_text(job.ramp->over_tokens))
                                                : "",
                                       format_quantity(r.scenario.cluster.price_usd_per_gpu_s, Dimension::kUsdPerHour),
                                       count_text(run.gpu_hours_per_trillion_tokens), run.days(), r.scenario.cluster.gpu_count(),
                                       run.energy_mwh))),
           table_block(t)}};
}

PageSection failures_section(const RunReport& r) {
  const sim::RunEstimate& run = r.run;
  PageSection out{"failures", "Failures", {}};
  if (!run.failures) {
    out.blocks.push_back(paragraph(prose("None modelled (") + code("cluster.failures: none") +
                                   prose("): the figures above assume no interruption.")));
    return out;
  }
  const sim::FailureCost& f = *run.failures;
  const hw::FailureSpec& spec = r.scenario.cluster.failures;
  out.blocks.push_back(paragraph(prose("The figures above are failure-free; interruptions, checkpoints and restarts add:")));
  out.blocks.push_back(bullet_list(
      {prose(fmt::format("{:.0f} interruptions expected (one per {} on {} GPUs), goodput {}", f.interruptions,
                         format_quantity(f.job_mtbf_s, Dimension::kSeconds), r.scenario.cluster.gpu_count(), percent_text(f.goodput()))),
       prose(fmt::format("checkpoint of {} written in {} every {} ({})", format_quantity(f.checkpoint_bytes, Dimension::kBytes),
                         format_quantity(f.checkpoint_write_s, Dimension::kSeconds),
                         format_quantity(f.checkpoint_interval_s, Dimension::kSeconds),
                         f.interval_optimal ? "Daly's optimum" : "the scenario's")),
       prose(fmt::format("restart {} ({})", format_quantity(f.restart_s, Dimension::kSeconds),
                         spec.restart_assumed ? "an assumed 10 min, then the checkpoint read back"
                                              : "the scenario's, then the checkpoint read back")),
       prose(fmt::format("+{} GPU-hours and +{:.1f} days: {} GPU-hours, {:.1f} days in all",
                         count_text(run.gpu_hours_with_failures() - run.gpu_hours), f.added_s() / 86400.0,
                         count_text(run.gpu_hours_with_failures()), run.days_with_failures()))}));
  return out;
}

// How each fidelity approximates (README "How it works", docs/run-json.md).
std::string fidelity_approximation(const std::string& fidelity) {
  if (fidelity == "analytic")
    return "analytic: the closed form. The schedule runs on its exact ideal executor over the priced per-stage chunk "
           "times; EP overlap by rule; PP fill and drain, ZeRO collectives and the optimizer added; no contention, "
           "balanced routing.";
  if (fidelity == "gpu")
    return "gpu: every GPU of one pipeline replica on the discrete-event engine, each flow on the network; each GPU's "
           "all-to-all share is merged into one NVLink and one NIC flow with the same bytes on every port.";
  return "stage: the step on the discrete-event engine (SimGrid) with one representative GPU per pipeline device; "
         "communication as flows on the topology with max-min bandwidth sharing; routing imbalance as a straggler "
         "of the routed load. Ramp steps and phases are simulated alike; a batch the schedule cannot take falls back "
         "to the closed form.";
}

PageSection assumptions_section(const RunReport& r) {
  const hw::ClusterSpec& cluster = r.scenario.cluster;
  const std::shared_ptr<const hw::CalibratedConstants> calibrated = hw::calibrated_constants(cluster.calibration, cluster.gpu);
  PageSection out{"assumptions", "Assumptions", {}};
  if (cluster.calibration) {
    const hw::Calibration& c = *cluster.calibration;
    out.blocks.push_back(paragraph(prose("Op times: calibration ") + code(c.file) +
                                   prose(fmt::format(" ({}, measured on {}); {}.", hw::calibration_source_name(c.source.kind),
                                                     c.device.name, op_times_priced_by(*calibrated)))));
  } else {
    out.blocks.push_back(paragraph(prose("Op times: no calibration; every op kind from the datasheet roofline.")));
  }
  PageTable pricing{{"kernel family", "priced by", "model", "points", "rms residual", "held-out error"},
                    {false, false, false, true, true, true},
                    {}};
  for (int i = 0; i < hw::kKernelFamilyCount; ++i) {
    const auto family = static_cast<hw::KernelFamily>(i);
    const std::string name(hw::kernel_family_name(family));
    const hw::FamilyFit* fit = calibrated->fit_of(family);
    if (calibrated->constants.points) {
      pricing.rows.push_back({name, "measured points", "each op its own point", "-", "-", "-"});
      continue;
    }
    if (fit == nullptr) {
      pricing.rows.push_back({name, "datasheet roofline", "-", "-", "-", "-"});
      continue;
    }
    const hw::FitQuality& q = fit->quality;
    pricing.rows.push_back({name, "calibration", fit->model, fmt::format("{}", q.points), percent_text(q.rms_relative_residual),
                            q.held_out > 0 ? fmt::format("{} ({} points)", percent_text(q.held_out_mean_abs_relative_error), q.held_out)
                                           : "-"});
  }
  out.blocks.push_back(table_block(pricing));
  const hw::RooflineEfficiencies eff;
  out.blocks.push_back(paragraph(prose(fmt::format(
      "The datasheet roofline prices a kernel family the calibration does not cover at these shares of {}'s peaks "
      "(hardware/op_time_model.h says where each comes from), plus {} of launch and tail per kernel:",
      cluster.gpu.key, format_quantity(eff.fixed_overhead_s, Dimension::kSeconds)))));
  out.blocks.push_back(table_block({{"work", "share of peak"},
                                    {false, true},
                                    {{"FP8 GEMM (tensor cores)", percent_text(eff.fp8_gemm)},
                                     {"BF16 GEMM (tensor cores)", percent_text(eff.bf16_gemm)},
                                     {"attention", percent_text(eff.attention)},
                                     {"memory-bound kernels (HBM bandwidth)", percent_text(eff.memory)},
                                     {"element-wise arithmetic (CUDA cores)", percent_text(eff.vector)}},
                                    false}));
  out.blocks.push_back(paragraph(prose("Fidelity " + fidelity_approximation(r.fidelity))));
  std::vector<PageText> notes;
  for (const std::string& note : r.estimate.notes) notes.push_back(prose(note));
  for (const std::string& note : r.run.notes) notes.push_back(prose(note));
  if (!notes.empty()) {
    out.blocks.push_back(paragraph(prose("Approximations and notes of this run:")));
    out.blocks.push_back(bullet_list(notes));
  }
  return out;
}

}  // namespace

ReportPage run_page(const RunPageInput& in) {
  const RunReport& r = in.report;
  ReportPage page;
  page.title = fmt::format("trainsim: {} on {} x {}", r.scenario.job.model.name, r.scenario.cluster.gpu_count(),
                           r.scenario.cluster.gpu.key);
  page.lead.push_back(prose("Written by ") + code(in.command_line) +
                      prose("; its folder holds the same content twice: index.html (self-contained) and report.md with its SVG pictures."));
  page.sections = {summary_section(r), step_section(r),     compute_section(r),  memory_section(r),   pipeline_section(r),
                   routing_section(in), cost_section(r),    failures_section(r), assumptions_section(r)};
  return page;
}

}  // namespace trainsim::reports
