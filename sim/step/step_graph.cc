// One training step as an activity graph (see step_graph.h).
#include "sim/step/step_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "core/error.h"
#include "hardware/op_time_model.h"
#include "sim/scenario/layout_rules.h"
#include "sim/schedules/schedule_request.h"
#include "sim/step/data_parallel.h"
#include "sim/step/layer_expansion.h"
#include "sim/step/pipeline_graph.h"
#include "sim/step/priced_model.h"
#include "sim/step/replica_gpus.h"
#include "sim/step/stage_ops.h"

namespace trainsim::sim {

std::string_view fidelity_name(Fidelity fidelity) {
  switch (fidelity) {
    case Fidelity::kAnalytic: return "analytic";
    case Fidelity::kStage: return "stage";
    case Fidelity::kGpu: return "gpu";
  }
  return "?";
}

std::optional<Fidelity> fidelity_from_name(std::string_view name) {
  for (Fidelity f : {Fidelity::kAnalytic, Fidelity::kStage, Fidelity::kGpu})
    if (fidelity_name(f) == name) return f;
  return std::nullopt;
}

namespace {

// An NCCL collective's sends from `gpu` to the next rank of its ring after `after` (and `also_after`, when
// one), merged into one flow of the collective's link bytes that waits its whole latency, as ZeRO 3's unit
// collectives are (add_unit_flows). NOTE: a chain of one flow per ring step (n - 1 for a reduce-scatter: 127 at
// DP 128) moved the same bytes at the same max-min share with the latency spread between the steps; its
// flows were 11% of the default step's activities at gpu fidelity and 15% at stage fidelity. Returns the
// flow (or `after`).
int add_collective(ActivityGraph& graph, const ReplicaGpus& gpus, int gpu, int stride, const hw::Collective& collective,
                   const hw::ClusterSpec& cluster, int after, ActivityLabel label, int also_after = -1) {
  const hw::CollectiveTime t = hw::nccl_collective_time(collective, cluster);
  const int peer = gpus.ring_peer(gpu, stride, t.link);
  if (peer < 0) return after;
  const double link_latency_s = t.link == hw::CollectiveLink::kNic ? cluster.nic_latency_s : cluster.nvlink_latency_s;
  const int flow = graph.add_flow(gpu, peer, t.link_bytes, label, false, nccl_delay_s(t.latency_s, link_latency_s));
  graph.add_dependency(after, flow);
  if (also_after >= 0 && also_after != after) graph.add_dependency(also_after, flow);
  return flow;
}

// With dp_overlap, each bucket's reduction from `gpu` once its layer's gradients are final, one bucket after
// another on NCCL's stream (Megatron-Core launches them in order of readiness). Returns the last flow, or -1.
int add_bucket_reductions(ActivityGraph& graph, const LayerExpansion& expansion, const PricedScenario& priced,
                          const ReplicaGpus& gpus, int device, int member, int fallback, bool communication,
                          const std::array<int, 2>& names) {
  const Scenario& s = priced.scenario;
  const ParallelLayout& l = s.layout;
  const int gpu = gpus.gpu(device, member), rank = timeline_rank(device, member, gpus.members());
  const std::array<int, 2> strides = {l.tp, std::max(l.ep, l.tp)};
  const std::array<int, 2> replicas = {communication ? l.weight_replicas() : 1,
                                       communication ? l.expert_data_parallel() : 1};
  std::vector<std::pair<int, GradientBucket>> ready;  // (activity, bucket)
  for (const GradientBucket& b : gradient_buckets(priced.plan, device, priced.at_full_sms, s.job.model, l.dp_bucket())) {
    const int at = expansion.gradient_ready(device, member, b.stage, b.layer);
    ready.emplace_back(at < 0 ? fallback : at, b);
  }
  std::stable_sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  int last = -1;
  for (const auto& [at, bucket] : ready) {
    const int e = bucket.expert ? 1 : 0;
    const hw::Collective c = bucket_collective(s, bucket, replicas[static_cast<std::size_t>(e)]);
    if (c.ranks <= 1) continue;
    last = add_collective(graph, gpus, gpu, strides[static_cast<std::size_t>(e)], c, s.cluster, at,
                          {rank, names[static_cast<std::size_t>(e)], -1, WorkTags::kDp}, last);
  }
  return last;
}

}  // namespace

StepGraph build_step_graph(const PricedScenario& priced, int microbatches, const StepGraphOptions& options) {
  const Scenario& s = priced.scenario;
  const StagePlan& plan = priced.plan;
  TS_CHECK(options.fidelity != Fidelity::kAnalytic, "the analytic level has no graph");
  const ParallelLayout& l = s.layout;
  const std::shared_ptr<const ResolvedSchedule> resolved = priced.schedule_at(microbatches);
  const PipelineSchedule& schedule = resolved->schedule;
  TS_CHECK(schedule.stages() == static_cast<int>(plan.stages.size()), "{} stages planned, schedule has {}",
           plan.stages.size(), schedule.stages());
  StepGraph out;
  out.devices = schedule.ranks();
  out.microbatches = microbatches;
  const ReplicaGpus gpus(s, out.devices, options.fidelity == Fidelity::kGpu);
  out.members = gpus.members();
  out.engine.compute_share_during_comm = s.cluster.compute_sm_fraction();
  out.engine.progress = options.progress;

  // Compute at the full SM count: the engine slows it while communication kernels run.
  std::vector<StageOps> stages;
  for (const Stage& stage : plan.stages)
    stages.push_back(stage_ops(stage, priced.at_full_sms, s.job.model, priced.full_sms_model, s.cluster));
  if (!options.communication)
    for (StageOps& st : stages)
      for (auto* pass : {&st.forward, &st.backward_input, &st.weight, &st.backward})
        std::erase_if(*pass, [](const StageOp& op) { return op.is_communication(); });

  PipelinePlacement placement;
  for (int d = 0; d < out.devices; ++d) {
    placement.rank_gpus.emplace_back();
    for (int m = 0; m < out.members; ++m) placement.rank_gpus.back().push_back(gpus.gpu(d, m));
  }
  const PipelineSendBytes sends = options.communication ? pipeline_send_bytes(s) : PipelineSendBytes{};
  placement.activation_bytes = sends.nic_bytes;
  placement.blocking_sends = l.pipeline_p2p != PipelineP2p::kOverlapped;
  placement.gather_bytes = sends.gather_bytes;
  if (sends.gather_bytes > 0)
    for (const auto& rank : placement.rank_gpus) {
      placement.gather_peers.emplace_back();
      for (int gpu : rank) placement.gather_peers.back().push_back(gpus.nvlink_peer(gpu, l.tp));
    }
  std::vector<std::vector<UnitCollectives>> units;  // from ZeRO 2: [stage][layer]
  if (reduces_every_microbatch(l))
    for (const Stage& stage : plan.stages) {
      units.emplace_back();
      for (const StageLayer& layer : stage_layers(stage, s.job.model))
        units.back().push_back(unit_collectives(s, priced.at_full_sms.of(layer.kind).ops));
    }
  LayerExpansion expansion(std::move(stages), gpus, priced, options, options.fidelity, out.tags, std::move(units));
  PipelineGraph pipeline = pipeline_graph(schedule, expansion, placement);
  ActivityGraph& graph = pipeline.graph;

  // The step's end on every GPU: gradients reduce-scattered over the replicas, the optimizer over the
  // shard, weights all-gathered.
  const int optimizer = graph.intern("optimizer");
  // ZeRO 0 all-reduces the gradients before the optimizer (data_parallel.h).
  const std::string before = l.zero_stage == 0 ? "all-reduce" : "reduce-scatter";
  const int reduce_scatter = graph.intern("dp " + before), all_gather = graph.intern("dp all-gather");
  const int expert_reduce_scatter = graph.intern("expert dp " + before);
  const int expert_all_gather = graph.intern("expert dp all-gather");
  for (int d = 0; d < out.devices; ++d) {
    const HeldParameters held = held_parameters(plan, d, priced.at_full_sms, s.job.model);
    const ZeroCollectives dense = zero_collectives(s, held.parameters, options.communication ? l.weight_replicas() : 1);
    const ZeroCollectives experts =
        zero_collectives(s, held.expert_parameters, options.communication ? l.expert_data_parallel() : 1);
    for (int m = 0; m < out.members; ++m) {
      const int gpu = gpus.gpu(d, m), rank = timeline_rank(d, m, out.members);
      const int dense_stride = l.tp, expert_stride = std::max(l.ep, l.tp);
      int last = pipeline.last_compute[d][m];
      if (reduces_every_microbatch(l)) {  // reduced layer by layer in the backward; the optimizer waits for the last
        const int reduced = expansion.unit_stream_last(d, m);
        if (reduced >= 0) last = reduced;
      } else if (l.dp_overlap) {
        const int reduced = add_bucket_reductions(graph, expansion, priced, gpus, d, m, last, options.communication,
                                                  {reduce_scatter, expert_reduce_scatter});
        if (reduced >= 0) last = reduced;
      } else {
        last = add_collective(graph, gpus, gpu, dense_stride, dense.before_optimizer, s.cluster, last,
                              {rank, reduce_scatter, -1, WorkTags::kDp});
        last = add_collective(graph, gpus, gpu, expert_stride, experts.before_optimizer, s.cluster, last,
                              {rank, expert_reduce_scatter, -1, WorkTags::kDp});
      }
      const int step = graph.add_compute(gpu, optimizer_seconds(s, held, priced.full_sms_model), {rank, optimizer, -1, WorkTags::kOptimizer});
      graph.add_dependency(last, step);
      if (last != pipeline.last_compute[d][m]) graph.add_dependency(pipeline.last_compute[d][m], step);
      if (l.zero_stage != 3) {  // ZeRO 3 gathers the weights in the next step's forward
        last = add_collective(graph, gpus, gpu, dense_stride, dense.after_optimizer, s.cluster, step,
                              {rank, all_gather, -1, WorkTags::kDp});
        add_collective(graph, gpus, gpu, expert_stride, experts.after_optimizer, s.cluster, last,
                       {rank, expert_all_gather, -1, WorkTags::kDp});
      }
      graph.name_rank(rank, fmt::format("device {} GPU {}", d, gpu));
    }
  }
  out.tags.name_tags(graph);
  out.graph = std::move(graph);

  const bool routed = options.routed_load && s.job.model.is_moe();
  if (options.fidelity == Fidelity::kStage)
    out.notes.push_back(routed ? "stage fidelity: one GPU per pipeline device, at each MoE layer its EP group's "
                                 "straggler: its rows, its traffic out and in, to and from idle peers"
                               : "stage fidelity: one GPU per pipeline device; its EP and TP traffic goes to idle "
                                 "peers, so traffic arriving at it meets no contention");
  else
    out.notes.push_back(routed ? fmt::format("gpu fidelity: {} GPUs of one pipeline replica, each with its own "
                                             "expert rows; each link's all-to-all in flows that load every port with "
                                             "its traffic row out and column in", out.devices * out.members)
                               : fmt::format("gpu fidelity: {} GPUs of one pipeline replica; each GPU's all-to-all "
                                             "share merged into one NVLink and one NIC flow (same bytes on every port)",
                                             out.devices * out.members));
  if (s.job.model.is_moe() && l.ep > 1 && !routed)
    out.notes.push_back(balanced_ep_traffic_note(s));
  out.notes.push_back(dp_reduction_note(l));
  return out;
}

}  // namespace trainsim::sim
