// Analytic step: the schedule executed on the priced chunk times (ideal executor), plus the exposed PP fill
// and drain, the ZeRO collectives and the optimizer. Overlapping schedules (DualPipe, DualPipeV; 1F1B and
// interleaved under Megatron-Core's EP overlap, ParallelLayout::ep_overlap) pair a
// forward with a backward so the EP all-to-all of one hides under the other's compute, with compute slowed to
// the SMs the communication kernels leave (PricedScenario::at_schedule_sms).
#include "sim/step/step_estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>

#include "core/error.h"
#include "core/units.h"
#include "models/model_size.h"
#include "sim/scenario/layout_rules.h"
#include "sim/schedules/bubble_formula.h"
#include "sim/schedules/schedule_comparison.h"
#include "sim/schedules/schedule_request.h"
#include "sim/schedules/schedule_run.h"
#include "sim/step/data_parallel.h"
#include "sim/step/layer_timing.h"

namespace trainsim::sim {
namespace {

// Stage passes per micro-batch on a device, per stage: a DualPipe device sees each micro-batch once, in
// one of its two stages; the others see it once in every stage they hold.
double pass_weight(ScheduleKind kind) { return kind == ScheduleKind::kDualPipe ? 0.5 : 1.0; }

CommBound bound_of(const CommLoad& load) {
  const double bandwidth_s = std::max(load.nic_s, load.nvlink_s);
  if (bandwidth_s == 0 && load.latency_s == 0) return CommBound::kNone;
  if (load.latency_s > bandwidth_s) return CommBound::kLatency;
  return load.nic_s >= load.nvlink_s ? CommBound::kNic : CommBound::kNvlink;
}

double collective_s(const hw::Collective& c, const hw::ClusterSpec& cluster) {
  return c.ranks > 1 ? hw::nccl_collective_time(c, cluster).seconds() : 0.0;
}

// The DP communication a device leaves exposed. dp_overlap: false, all of it after the last backward. true:
// each gradient bucket's reduction (data_parallel.h) starts once its layer's backward of the last micro-batch
// ends and the previous bucket's is done (one NCCL stream); the device's stages' last backwards taken back to
// back, each layer its Bi + W compute and its exposed EP and TP, so only the tail past the backward's end is
// exposed. NOTE: interleaving runs other micro-batches between a device's last backwards, so the tail here is
// an upper bound there. The weights' all-gather after the optimizer is exposed either way. ZeRO 2 reduces per
// layer and micro-batch (zero2_exposed_dp_s); ZeRO 3 also gathers, inside the chunks (unit_stage_chunks).
// ZeRO 3 (data_parallel.h): how much longer one micro-batch's forward and backward of a plan stage take with its
// per-layer gathers and reductions than their compute alone (unit_pass_s); nothing at the step's end.
struct UnitExtra {
  double forward_s = 0, backward_s = 0;
};

// A plan stage's layers in the forward's order: each one's forward and backward (Bi + W) with their exposed EP
// and TP, and its per-layer gathers and reductions (unit_collectives), NCCL-priced.
struct StageUnits {
  std::vector<double> forward_s, backward_s, gather_s, reduce_s;
};

StageUnits stage_units(const PricedScenario& p, int stage) {
  const Scenario& s = p.scenario;
  const hw::ClusterSpec cluster = s.cluster.with_nic_share_per_gpu();
  StageUnits out;
  for (const StageLayer& layer : stage_layers(p.plan.stages[static_cast<std::size_t>(stage)], s.job.model)) {
    const LayerTiming& t = p.at_schedule_sms.of(layer.kind).timing;
    const UnitCollectives unit = unit_collectives(s, p.at_full_sms.of(layer.kind).ops);
    out.forward_s.push_back(t.forward_in_line_s());
    out.backward_s.push_back(t.backward_in_line_s());
    out.gather_s.push_back(collective_s(unit.gather[0], cluster) + collective_s(unit.gather[1], cluster));
    out.reduce_s.push_back(collective_s(unit.reduce[0], cluster) + collective_s(unit.reduce[1], cluster));
  }
  return out;
}

UnitExtra unit_extra(const PricedScenario& p, int stage) {
  auto [forward_s, backward_s, gather_s, reduce_s] = stage_units(p, stage);
  UnitExtra out;
  out.forward_s = unit_pass_s(forward_s, gather_s, {});
  for (double f : forward_s) out.forward_s -= f;
  for (auto* v : {&backward_s, &gather_s, &reduce_s}) std::reverse(v->begin(), v->end());  // the backward's order
  out.backward_s = unit_pass_s(backward_s, gather_s, reduce_s);
  for (double b : backward_s) out.backward_s -= b;
  return out;
}

// The stage chunks lengthened by ZeRO 3's exposed gathers and reductions, so the schedule (its bubbles included)
// runs on them: per executed stage as PricedScenario::stage_chunks groups them (an interleaved device's stages
// together). F&B pairs carry both passes' (their collectives share one NCCL stream).
std::vector<ChunkTimes> unit_stage_chunks(const PricedScenario& p) {
  std::vector<ChunkTimes> out = p.stage_chunks;
  auto add = [&](ChunkTimes& chunk, const UnitExtra& x) {
    chunk.forward_s += x.forward_s;
    chunk.backward_s += x.backward_s;
    chunk.overlapped_s += x.forward_s + x.backward_s;
  };
  if (p.scenario.layout.schedule == ScheduleKind::kInterleaved) {
    for (std::size_t d = 0; d < p.plan.device_stages.size(); ++d)
      for (int stage : p.plan.device_stages[d]) add(out[d], unit_extra(p, stage));
  } else {
    for (std::size_t stage = 0; stage < out.size(); ++stage) add(out[stage], unit_extra(p, static_cast<int>(stage)));
  }
  return out;
}

// ZeRO 3's exposed time per micro-batch on a device, over its stages.
double unit_device_extra_s(const PricedScenario& p, int device) {
  double out = 0;
  for (int stage : p.plan.device_stages[static_cast<std::size_t>(device)]) {
    const UnitExtra x = unit_extra(p, stage);
    out += pass_weight(p.scenario.layout.schedule) * (x.forward_s + x.backward_s);
  }
  return out;
}

// The weights' all-gathers after the optimizer (ZeRO 1 and 2), dense and expert: exposed at the step's end.
double after_optimizer_s(const Scenario& s, const HeldParameters& held, const hw::ClusterSpec& cluster) {
  const ParallelLayout& l = s.layout;
  return collective_s(zero_collectives(s, held.parameters, l.weight_replicas()).after_optimizer, cluster) +
         collective_s(zero_collectives(s, held.expert_parameters, l.expert_data_parallel()).after_optimizer, cluster);
}

double exposed_dp_s(const PricedScenario& p, int device, const HeldParameters& held) {
  const Scenario& s = p.scenario;
  const ParallelLayout& l = s.layout;
  if (!l.dp_overlap) {
    CommLoad all = dp_collective_load(s, held.parameters, l.weight_replicas());
    all += dp_collective_load(s, held.expert_parameters, l.expert_data_parallel());
    return all.nic_s + all.nvlink_s + all.latency_s;
  }
  const hw::ClusterSpec cluster = s.cluster.with_nic_share_per_gpu();
  std::map<std::pair<int, int>, double> ready_s;  // (stage, layer) -> when its gradients are final
  double backward_s = 0;
  const std::vector<int>& stages = p.plan.device_stages[static_cast<std::size_t>(device)];
  for (auto stage = stages.rbegin(); stage != stages.rend(); ++stage) {
    const std::vector<StageLayer> layers = stage_layers(p.plan.stages[static_cast<std::size_t>(*stage)], s.job.model);
    for (int i = static_cast<int>(layers.size()) - 1; i >= 0; --i) {
      const LayerTiming& t = p.at_schedule_sms.of(layers[static_cast<std::size_t>(i)].kind).timing;
      backward_s += t.backward_in_line_s();
      ready_s[{*stage, i}] = backward_s;
    }
  }
  double stream_free_s = 0;
  for (const GradientBucket& b : gradient_buckets(p.plan, device, p.at_full_sms, s.job.model, l.dp_bucket())) {
    const hw::Collective c = bucket_collective(s, b, b.expert ? l.expert_data_parallel() : l.weight_replicas());
    stream_free_s = std::max(stream_free_s, ready_s.at({b.stage, b.layer})) + collective_s(c, cluster);
  }
  return std::max(0.0, stream_free_s - backward_s) + after_optimizer_s(s, held, cluster);
}

// ZeRO 2 (data_parallel.h): each layer's gradients reduce-scattered after its backward in every micro-batch, on
// one NCCL stream: a queue over the device's ops as `run` timed them, each op that computes weight gradients
// (B, W, F&B) readying its stage's layers' reductions in the backward's order, spread evenly over the op. What the
// stream runs past the device's last op is exposed, then the weights' all-gather after the optimizer. Without a
// run (a schedule the executor cannot take), m micro-batches' reductions run under the device's m backwards, and
// at least its last stage's tail is exposed. NOTE: the engine also slows the compute the reductions run under
// (the SMs NCCL holds, engine.h); this form, like ZeRO 1's (exposed_dp_s), leaves that out.
double zero2_exposed_dp_s(const PricedScenario& p, int device, const HeldParameters& held, double microbatches,
                          const PipelineSchedule* schedule, const ScheduleRun* run) {
  const Scenario& s = p.scenario;
  const hw::ClusterSpec cluster = s.cluster.with_nic_share_per_gpu();
  const std::vector<int>& stages = p.plan.device_stages[static_cast<std::size_t>(device)];
  // Per stage of the device (its lane), its layers' reductions and backwards in the backward's order.
  std::vector<std::vector<double>> reduce_s(stages.size()), backward_s(stages.size());
  for (std::size_t lane = 0; lane < stages.size(); ++lane) {
    const StageUnits units = stage_units(p, stages[lane]);
    reduce_s[lane].assign(units.reduce_s.rbegin(), units.reduce_s.rend());
    backward_s[lane].assign(units.backward_s.rbegin(), units.backward_s.rend());
  }
  double exposed_s = 0;
  if (schedule != nullptr && run != nullptr) {
    const std::vector<ScheduleOp>& ops = schedule->ops(device);
    const std::vector<OpTiming>& timings = run->timings[static_cast<std::size_t>(device)];
    double stream_free_s = 0, last_end_s = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      last_end_s = std::max(last_end_s, timings[i].end_s);
      const Phase phase = ops[i].phase;
      if (phase != Phase::kBackward && phase != Phase::kWeight && phase != Phase::kForwardBackward) continue;
      const std::size_t lane =
          static_cast<std::size_t>(phase == Phase::kForwardBackward ? ops[i].backward.lane : ops[i].chunk.lane);
      const std::vector<double>& reductions = reduce_s.at(lane);
      const double n = static_cast<double>(reductions.size());
      for (std::size_t j = 0; j < reductions.size(); ++j) {
        const double ready_s =
            timings[i].start_s + (static_cast<double>(j) + 1) / n * (timings[i].end_s - timings[i].start_s);
        stream_free_s = std::max(stream_free_s, ready_s) + reductions[j];
      }
    }
    exposed_s = std::max(0.0, stream_free_s - last_end_s);
  } else {
    double reductions_s = 0, backwards_s = 0;
    for (std::size_t lane = 0; lane < stages.size(); ++lane)
      for (std::size_t j = 0; j < reduce_s[lane].size(); ++j) {
        reductions_s += reduce_s[lane][j];
        backwards_s += backward_s[lane][j];
      }
    const double tail_s = unit_pass_s(backward_s.front(), std::vector<double>(backward_s.front().size(), 0.0),
                                      reduce_s.front()) -
                          std::accumulate(backward_s.front().begin(), backward_s.front().end(), 0.0);
    exposed_s = std::max(tail_s, microbatches * (reductions_s - backwards_s));
  }
  return exposed_s + after_optimizer_s(s, held, cluster);
}

// What one pipeline device runs per micro-batch, summed over its stages.
struct DeviceWork {
  LayerTiming timing;  // per micro-batch
  ChunkTimes per_pass;
  double passes = 0;
};

DeviceWork device_work(const PricedScenario& p, std::size_t device) {
  const ParallelLayout& l = p.scenario.layout;
  const double w = pass_weight(l.schedule);
  DeviceWork out;
  for (int stage : p.plan.device_stages[device]) {
    out.timing += stage_totals(p.plan.stages[static_cast<std::size_t>(stage)], p.at_schedule_sms, p.scenario.job.model).timing.scaled(w);
    out.passes += w;
  }
  out.per_pass = chunk_times_of(out.timing.scaled(1.0 / out.passes));
  return out;
}

}  // namespace

std::string_view comm_bound_name(CommBound bound) {
  switch (bound) {
    case CommBound::kNone: return "none";
    case CommBound::kNic: return "nic";
    case CommBound::kNvlink: return "nvlink";
    case CommBound::kLatency: return "latency";
  }
  return "none";
}

StepEstimate estimate_step_at_batch(const PricedScenario& p, int global_batch_sequences) {
  const Scenario& s = p.scenario;
  const ParallelLayout& l = s.layout;
  const bool overlap = l.pairs_forward_and_backward();
  StepEstimate e;
  e.global_batch_sequences = global_batch_sequences;
  e.microbatches = microbatches_per_step(l, global_batch_sequences);
  const double m = e.microbatches;

  // The schedule on the priced chunks; the critical device is the busiest (the least idle).
  // ZeRO 3 lengthens every chunk by the gathers and reductions its compute leaves exposed (unit_extra); ZeRO 2's
  // reductions alone block no compute and are priced after the schedule (zero2_exposed_dp_s).
  const bool zero3 = l.zero_stage == 3;
  std::optional<ScheduleRun> own_run;  // where the priced scenario's run does not serve
  const ScheduleRun* run = nullptr;
  std::shared_ptr<const ResolvedSchedule> ran;  // the schedule `run` executed
  if (e.microbatches == p.microbatches && !zero3) {
    run = p.executed();
    ran = p.schedule;
  } else if ((ran = schedule_if_valid(l, e.microbatches))) {
    own_run = run_schedule(ran->schedule, ran->dependencies, zero3 ? unit_stage_chunks(p) : p.stage_chunks);
    run = &*own_run;
  }
  std::vector<DeviceWork> devices;
  for (std::size_t d = 0; d < p.plan.device_stages.size(); ++d) devices.push_back(device_work(p, d));
  auto work_s = [&](const DeviceWork& w) {  // the closed form's busy time of a device
    return m * w.passes * (overlap ? w.per_pass.overlapped_s : w.per_pass.forward_s + w.per_pass.backward_s);
  };
  std::size_t critical = 0;
  for (std::size_t d = 1; d < devices.size(); ++d) {
    const bool busier = run ? run->busy_s[d] > run->busy_s[critical] : work_s(devices[d]) > work_s(devices[critical]);
    if (busier) critical = d;
  }
  const DeviceWork& device = devices[critical];
  e.critical_device = static_cast<int>(critical);
  e.chunk = device.per_pass;
  e.compute_s = m * device.timing.compute_s();
  for (const auto& [kind, seconds] : device.timing.compute_by_kind_s) e.compute_by_kind_s[kind] = m * seconds;

  e.pipeline.stage_chunks = p.stage_chunks;
  // The formula at the stages' mean chunk, as `trainsim schedule` tabulates it (schedule_comparison.h); its
  // exact case needs every stage alike.
  const ScheduleRequest request = schedule_request_for(l, e.microbatches);
  const ChunkTimes mean = mean_chunk_times(p.stage_chunks);
  e.pipeline.formula_bubble_s = published_bubble_s(l.schedule, mean, request.pp, l.virtual_stages);
  e.pipeline.formula_is_exact = uniform_chunk_times(p.stage_chunks) && published_bubble_is_exact(l.schedule, mean);
  double busy_s = 0, makespan_s = 0;
  if (run) {
    e.pipeline.executed = true;
    e.pipeline.executed_makespan_s = run->makespan_s;
    e.pipeline.executed_bubble_s = run->bubble_s;
    busy_s = run->busy_s[critical];
    makespan_s = run->makespan_s;
    e.bubble_definition = kBubbleExecuted;
  } else {
    busy_s = work_s(device) + (zero3 ? m * unit_device_extra_s(p, e.critical_device) : 0.0);
    makespan_s = busy_s + e.pipeline.formula_bubble_s;
    e.bubble_definition = kBubbleFormula;
  }
  e.bubble_s = makespan_s - busy_s;

  // The device's busy time is its compute and the communication its chunks leave exposed: TP and CP always,
  // EP where no other chunk's compute covers it.
  const double ep_s = m * (device.timing.ep_forward_s + device.timing.ep_backward_s);
  const double tp_s = m * (device.timing.tp_forward_s + device.timing.tp_backward_s);
  const double cp_s = m * (device.timing.cp_forward_s + device.timing.cp_backward_s);
  const double zero3_s = zero3 ? m * unit_device_extra_s(p, e.critical_device) : 0.0;  // inside busy_s
  const double exposed_ep_s = busy_s - e.compute_s - tp_s - cp_s - zero3_s;
  TS_CHECK(exposed_ep_s > -1e-9 * busy_s && exposed_ep_s < ep_s + 1e-9 * busy_s,
           "busy {} s is not compute {} s + TP {} s + CP {} s + part of EP {} s", busy_s, e.compute_s, tp_s, cp_s,
           ep_s);
  // Only F&B overlap hides EP; elsewhere the difference is rounding.
  e.exposed_comm_by_kind_s["ep"] = overlap ? std::clamp(exposed_ep_s, 0.0, ep_s) : ep_s;
  e.hidden_comm_s = ep_s - e.exposed_comm_by_kind_s["ep"];
  e.exposed_comm_by_kind_s["tp"] = tp_s;
  if (l.cp > 1) e.exposed_comm_by_kind_s["cp"] = cp_s;
  e.comm_bound_by_kind["ep"] = bound_of(device.timing.ep_load);
  e.comm_bound_by_kind["tp"] = bound_of(device.timing.tp_load);
  if (l.cp > 1) e.comm_bound_by_kind["cp"] = bound_of(device.timing.cp_load);

  // PP: activations cross to the next stage's node; steady-state sends overlap compute, fill and drain do not.
  // What crosses the NIC and what is all-gathered over NVLink: pipeline_send_bytes (pipeline_p2p.h), as the
  // engine's flows carry it; blocking sends hold each of the device's chunks (v per micro-batch each way) until
  // its send ends.
  const PipelineSendBytes sends = pipeline_send_bytes(s);
  const CommLoad p2p{sends.nic_bytes / s.cluster.nic_share_bytes_per_s(),
                     sends.gather_bytes / s.cluster.nvlink_bandwidth_bytes_per_s, s.cluster.nic_latency_s};
  const double blocked_sends = l.pipeline_p2p == PipelineP2p::kOverlapped ? 0.0 : 2.0 * m * l.virtual_stages;
  e.exposed_comm_by_kind_s["pp"] =
      l.pp > 1 ? (overlap ? 1 : 2) * (l.pp - 1) * (p2p.nic_s + p2p.nvlink_s + p2p.latency_s) +
                     blocked_sends * (p2p.nic_s + p2p.latency_s)
               : 0.0;
  e.comm_bound_by_kind["pp"] = l.pp > 1 ? bound_of(p2p) : CommBound::kNone;

  // DP: the ZeRO collectives of the critical device's parameters over the NICs, as NCCL runs them
  // (hardware/nccl_collective.h), exposed as far as the backward does not cover them (exposed_dp_s).
  const HeldParameters held = held_parameters(p.plan, e.critical_device, p.at_full_sms, s.job.model);
  CommLoad dp = dp_collective_load(s, held.parameters, l.weight_replicas());
  dp += dp_collective_load(s, held.expert_parameters, l.expert_data_parallel());
  const bool any_dp = dp.nic_s > 0 || dp.nvlink_s > 0;
  double exposed_dp = 0;
  if (zero3)
    exposed_dp = zero3_s;
  else if (any_dp)
    exposed_dp = reduces_every_microbatch(l) ? zero2_exposed_dp_s(p, e.critical_device, held, m,
                                                                  run && ran ? &ran->schedule : nullptr, run)
                                             : exposed_dp_s(p, e.critical_device, held);
  e.exposed_comm_by_kind_s["dp"] = exposed_dp;
  e.comm_bound_by_kind["dp"] = any_dp ? bound_of(dp) : CommBound::kNone;

  // Optimizer: AdamW over this GPU's shard, memory-bound (read gradient, read/write master and moments, write weight).
  e.optimizer_s = optimizer_seconds(s, held, p.full_sms_model);

  e.exposed_comm_s = 0;
  for (const auto& [kind, seconds] : e.exposed_comm_by_kind_s) e.exposed_comm_s += seconds;
  // ZeRO 3's DP time is inside the makespan already (its chunks carry it).
  e.step_time_s = makespan_s + e.exposed_comm_by_kind_s["pp"] + (zero3 ? 0.0 : e.exposed_comm_by_kind_s["dp"]) + e.optimizer_s;

  set_throughput(s, e);
  return e;
}

void set_throughput(const Scenario& s, StepEstimate& e) {
  const double tokens = static_cast<double>(e.global_batch_sequences) * s.job.sequence_length;
  e.model_flops_per_step = tokens * models::train_flops_per_token(s.job.model, s.job.sequence_length, true);
  const double gpus = s.cluster.gpu_count();
  // A device without a datasheet peak (the host, hardware/host_device.h) has no MFU: 0, not a division by zero.
  const double peak = s.cluster.gpu.bf16_peak_flops_per_s;
  e.mfu = peak > 0 ? e.model_flops_per_step / (e.step_time_s * gpus * peak) : 0.0;
  e.tokens_per_s_per_gpu = tokens / e.step_time_s / gpus;
}

Estimate estimate_step(const PricedScenario& p, bool allow_oom) {
  const Scenario& s = p.scenario;
  const ParallelLayout& l = s.layout;
  Estimate out;
  out.plan = p.plan;
  out.memory = estimate_memory(p, microbatches_per_step(l, s.job.global_batch_sequences));  // first: it may refuse
  out.step = estimate_step_at_batch(p, s.job.global_batch_sequences);
  if (!out.memory.fits() && !allow_oom)
    throw ConfigError(s.where("parallelism"),
                      fmt::format("needs {} per GPU of {}: {} (pipeline device {})",
                                  format_quantity(out.memory.breakdown.total_bytes(), Dimension::kBytes),
                                  format_quantity(out.memory.capacity_bytes, Dimension::kBytes),
                                  out.memory.breakdown.largest_terms(3), out.memory.device),
                      "a layout that fits in GPU memory", memory_hint(s));

  // What the model's config holds that is not modelled (models/hf_config.h), first.
  for (const std::string& note : s.job.model.notes) out.notes.push_back("model: " + note);
  for (const std::string& note : s.job.notes) out.notes.push_back("training: " + note);
  if (!out.memory.fits()) out.notes.push_back(memory_excess_note(out.memory));
  const PipelineFigures& f = out.step.pipeline;
  out.notes.push_back(fmt::format(
      "bubble: the {} schedule executed on the priced chunk times; its published formula gives {:.3f} s ({})",
      schedule_name(l.schedule), f.formula_bubble_s,
      f.formula_is_exact ? "exact for these chunk times" : "an estimate here: its exact conditions do not hold"));
  if (s.job.model.is_moe() && l.ep > 1)
    out.notes.push_back(balanced_ep_traffic_note(s));
  out.notes.push_back(dp_reduction_note(l));
  return out;
}

Estimate estimate_step(const Scenario& scenario) { return estimate_step(PricedScenario(scenario)); }

}  // namespace trainsim::sim
