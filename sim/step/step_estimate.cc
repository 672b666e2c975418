// Analytic step: per-device work M x (chunk) + the published bubble + exposed PP, DP and optimizer time.
// Overlapping schedules (DualPipe, DualPipeV) pair a forward with a backward so the EP all-to-all of one
// hides under the other's compute, with compute slowed to the SMs the communication kernels leave.
#include "sim/step/step_estimate.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"
#include "hardware/op_time_model.h"
#include "models/model_size.h"
#include "sim/schedules/bubble_formula.h"
#include "sim/step/layer_timing.h"
#include "sim/step/data_parallel.h"
#include "sim/scenario/layout_rules.h"
#include "sim/step/priced_model.h"
#include "sim/schedules/schedule_request.h"
#include "sim/schedules/schedule_run.h"

namespace trainsim::sim {
namespace {

// Reserved on every GPU besides the model state and activations: CUDA context and library workspaces
// (about 1 GiB) and communication buffers (NCCL and the EP all-to-all, about 2 GiB).
constexpr double kRuntimeReserveBytes = 3.0 * 1073741824.0;

// One stage pass as the bubble formulas see it, with communication where the schedule leaves it exposed.
ChunkTimes chunk_of(const LayerTiming& t) {
  ChunkTimes c;
  c.forward_s = t.forward_s + t.ep_forward_s + t.tp_forward_s;
  c.backward_s = t.backward_input_s + t.weight_backward_s + t.ep_backward_s + t.tp_backward_s;
  c.weight_backward_s = t.weight_backward_s;
  c.overlapped_s = std::max(t.compute_s(), t.ep_forward_s + t.ep_backward_s) + t.tp_forward_s + t.tp_backward_s;
  return c;
}

// Stage passes per micro-batch on a device, per stage: a DualPipe device sees each micro-batch once, in
// one of its two stages; the others see it once in every stage they hold.
double pass_weight(ScheduleKind kind) { return kind == ScheduleKind::kDualPipe ? 0.5 : 1.0; }

// Activations in flight at each device's peak, in chunks of one model stage for one micro-batch, from
// executing the schedule itself: the counts follow from each rank's op order, not from the chunk times.
std::vector<double> peak_chunks_per_device(const ParallelLayout& l, int microbatches) {
  const PipelineSchedule schedule = make_schedule(schedule_request_for(l, microbatches));
  return run_schedule(schedule, {ChunkTimes{}}).peak_activations;
}

// The published formulas take the chunk of one of pp model stages and count stages; a per-pass chunk here
// is one virtual stage when interleaved (a v-th of a device's layers), and DualPipeV folds 2 pp stages.
double bubble_of(const ParallelLayout& l, const ChunkTimes& pass) {
  if (l.schedule == ScheduleKind::kInterleaved) {
    ChunkTimes stage = pass;
    for (double* t : {&stage.forward_s, &stage.backward_s, &stage.weight_backward_s, &stage.overlapped_s})
      *t *= l.virtual_stages;
    return published_bubble_s(l.schedule, stage, l.pp, l.virtual_stages);
  }
  return published_bubble_s(l.schedule, pass, l.stage_count(), l.virtual_stages);
}

struct DeviceState {
  double parameters = 0, expert_parameters = 0, activation_bytes = 0;
};

}  // namespace

StepEstimate estimate_step_at_batch(const Scenario& s, const StagePlan& plan, int global_batch_sequences) {
  const ParallelLayout& l = s.layout;
  const bool overlap = overlaps_forward_and_backward(l.schedule);
  const hw::RooflineOpTimeModel time_model(s.cluster.gpu, hw::RooflineEfficiencies{},
                                           overlap ? s.cluster.compute_sm_fraction() : 1.0);
  const PricedModel priced = price_model(s, time_model);
  StepEstimate e;
  e.global_batch_sequences = global_batch_sequences;
  e.microbatches = microbatches_per_step(l, global_batch_sequences);
  const double m = e.microbatches, w = pass_weight(l.schedule);

  double worst_work = -1;
  for (size_t d = 0; d < plan.device_stages.size(); ++d) {
    LayerTiming device;
    double passes = 0;
    for (int stage : plan.device_stages[d]) {
      device += stage_totals(plan.stages[static_cast<size_t>(stage)], priced, s.job.model).timing.scaled(w);
      passes += w;
    }
    const ChunkTimes per_pass = chunk_of(device.scaled(1.0 / passes));
    const double work = m * passes * (overlap ? per_pass.overlapped_s : per_pass.forward_s + per_pass.backward_s);
    if (work <= worst_work) continue;
    worst_work = work;
    e.critical_device = static_cast<int>(d);
    e.chunk = per_pass;
    e.compute_s = m * device.compute_s();
    const double ep = m * (device.ep_forward_s + device.ep_backward_s);
    const double exposed_ep = overlap ? std::max(0.0, ep - e.compute_s) : ep;
    e.exposed_comm_by_kind_s["ep"] = exposed_ep;
    e.hidden_comm_s = ep - exposed_ep;
    e.exposed_comm_by_kind_s["tp"] = m * (device.tp_forward_s + device.tp_backward_s);
    e.compute_by_kind_s.clear();
    for (const auto& [kind, seconds] : device.compute_by_kind_s) e.compute_by_kind_s[kind] = m * seconds;
  }
  e.bubble_s = bubble_of(l, e.chunk);

  // PP: activations cross to the next stage's node; steady-state sends overlap compute, fill and drain do not.
  const double activation_bytes = static_cast<double>(l.micro_batch_size) * s.job.sequence_length * s.job.model.hidden_size * 2.0;
  const double p2p_s = activation_bytes / s.cluster.nic_bandwidth_bytes_per_s + s.cluster.nic_latency_s;
  e.exposed_comm_by_kind_s["pp"] = l.pp > 1 ? (overlap ? 1 : 2) * (l.pp - 1) * p2p_s : 0.0;

  // DP: ZeRO collectives of the critical device's parameters after the last backward, over the NICs.
  const HeldParameters held = held_parameters(plan, e.critical_device, priced, s.job.model);
  const double dp_bytes = dp_collective_bytes(s, held.parameters, l.dp) +
                          dp_collective_bytes(s, held.expert_parameters, l.expert_data_parallel());
  e.exposed_comm_by_kind_s["dp"] = dp_bytes > 0 ? dp_bytes / s.cluster.nic_bandwidth_bytes_per_s + 2.0 * (l.dp - 1) * s.cluster.nic_latency_s : 0.0;

  // Optimizer: AdamW over this GPU's shard, memory-bound (read gradient, read/write master and moments, write weight).
  e.optimizer_s = optimizer_seconds(s, held);

  e.exposed_comm_s = 0;
  for (const auto& [kind, seconds] : e.exposed_comm_by_kind_s) e.exposed_comm_s += seconds;
  e.step_time_s = worst_work + e.bubble_s + e.exposed_comm_by_kind_s["pp"] + e.exposed_comm_by_kind_s["dp"] + e.optimizer_s;

  set_throughput(s, e);
  return e;
}

void set_throughput(const Scenario& s, StepEstimate& e) {
  const double tokens = static_cast<double>(e.global_batch_sequences) * s.job.sequence_length;
  e.model_flops_per_step = tokens * models::train_flops_per_token(s.job.model, s.job.sequence_length, true);
  const double gpus = s.cluster.gpu_count();
  e.mfu = e.model_flops_per_step / (e.step_time_s * gpus * s.cluster.gpu.bf16_peak_flops_per_s);
  e.tokens_per_s_per_gpu = tokens / e.step_time_s / gpus;
}

namespace {

// Placement balances compute, priced at the full SM count.
PricedModel price_at_full_sms(const Scenario& s) {
  return price_model(s, hw::RooflineOpTimeModel(s.cluster.gpu, hw::RooflineEfficiencies{}));
}

PlacementCosts placement_costs(const PricedModel& priced) {
  PlacementCosts costs;
  costs.dense_layer = priced.dense.timing.compute_s();
  costs.moe_layer = priced.moe.timing.compute_s();
  costs.embedding = priced.embedding.timing.compute_s();
  costs.output_head = priced.head.timing.compute_s();
  costs.mtp_module = priced.mtp.timing.compute_s();
  return costs;
}

}  // namespace

std::vector<ChunkTimes> stage_chunk_times(const Scenario& scenario) {
  Scenario s = scenario;  // the same model and cluster, cut into pp stages of one layer range each
  if (s.layout.stage_count() != s.layout.pp) {
    s.layout.schedule = ScheduleKind::kOneFOneB;
    s.layout.virtual_stages = 1;
    s.layout.layers_per_stage.clear();
  }
  const bool overlap = overlaps_forward_and_backward(scenario.layout.schedule);
  const PricedModel priced = price_model(s, hw::RooflineOpTimeModel(s.cluster.gpu, hw::RooflineEfficiencies{},
                                                                    overlap ? s.cluster.compute_sm_fraction() : 1.0));
  const StagePlan plan = plan_stages(s, placement_costs(price_at_full_sms(s)));
  std::vector<ChunkTimes> out;
  for (const Stage& stage : plan.stages) out.push_back(chunk_of(stage_totals(stage, priced, s.job.model).timing));
  return out;
}

Estimate estimate_step(const Scenario& s) {
  const PricedModel priced = price_at_full_sms(s);
  Estimate out;
  out.plan = plan_stages(s, placement_costs(priced));
  out.step = estimate_step_at_batch(s, out.plan, s.job.global_batch_sequences);

  // Memory: the device with the largest footprint. A plan stage of an interleaved layout is a v-th of the
  // executor's chunk.
  const ParallelLayout& l = s.layout;
  const std::vector<double> peak_chunks = peak_chunks_per_device(l, out.step.microbatches);
  const double plan_stages_per_chunk = l.schedule == ScheduleKind::kInterleaved ? l.virtual_stages : 1;
  for (size_t d = 0; d < out.plan.device_stages.size(); ++d) {
    DeviceState device;
    for (int stage : out.plan.device_stages[d]) {
      const StageTotals t = stage_totals(out.plan.stages[static_cast<size_t>(stage)], priced, s.job.model);
      device.parameters += t.parameters;
      device.expert_parameters += t.expert_parameters;
      device.activation_bytes += t.saved_bytes / static_cast<double>(out.plan.device_stages[d].size());
    }
    models::MemoryInputs in;
    in.parameters = device.parameters;
    in.expert_parameters = device.expert_parameters;
    in.data_parallel = l.dp;
    in.expert_data_parallel = l.expert_data_parallel();
    in.zero_stage = l.zero_stage;
    in.precision = s.job.optimizer;
    in.activation_bytes = device.activation_bytes * plan_stages_per_chunk * peak_chunks[d];
    in.runtime_reserved_bytes = kRuntimeReserveBytes;
    models::MemoryBreakdown breakdown = models::memory_per_gpu(in);
    if (d == 0 || breakdown.total_bytes() > out.memory.breakdown.total_bytes()) {
      out.memory.device = static_cast<int>(d);
      out.memory.breakdown = std::move(breakdown);
    }
  }
  out.memory.capacity_bytes = s.cluster.gpu.hbm_capacity_bytes;
  if (out.memory.breakdown.total_bytes() > out.memory.capacity_bytes)
    throw ConfigError(s.where("parallelism"),
                      fmt::format("needs {} per GPU of {}: {} (pipeline device {})",
                                  format_quantity(out.memory.breakdown.total_bytes(), Dimension::kBytes),
                                  format_quantity(out.memory.capacity_bytes, Dimension::kBytes),
                                  out.memory.breakdown.largest_terms(3), out.memory.device),
                      "a layout that fits in GPU memory",
                      "recompute more (recompute: deepseek or full), raise pp, ep or tp, or pick a GPU with more memory");

  const ChunkTimes& c = out.step.chunk;
  out.notes.push_back(published_bubble_is_exact(l.schedule, c)
                          ? fmt::format("bubble from the published {} formula, exact for these chunk times", schedule_name(l.schedule))
                          : fmt::format("bubble from the published {} formula, an estimate here (F {:.1f} ms, B-W {:.1f} ms, "
                                        "W {:.1f} ms differ; `trainsim schedule --scenario` executes the schedule)",
                                        schedule_name(l.schedule), c.forward_s * 1e3, c.backward_input_s() * 1e3,
                                        c.weight_backward_s * 1e3));
  if (s.job.model.is_moe() && l.ep > 1)
    out.notes.push_back("EP traffic is the expectation under balanced, uniform node-limited routing");
  out.notes.push_back("ZeRO collectives run after the last backward and are counted as exposed");
  return out;
}

}  // namespace trainsim::sim
