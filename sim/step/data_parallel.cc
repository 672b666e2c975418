// ZeRO collectives, gradient buckets and the optimizer step (see data_parallel.h).
#include "sim/step/data_parallel.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "models/memory_model.h"

namespace trainsim::sim {

HeldParameters held_parameters(const StagePlan& plan, int device, const PricedModel& priced,
                               const models::ModelConfig& model) {
  HeldParameters held;
  for (int stage : plan.device_stages[static_cast<std::size_t>(device)]) {
    const StageTotals t = stage_totals(plan.stages[static_cast<std::size_t>(stage)], priced, model);
    held.parameters += t.parameters;
    held.expert_parameters += t.expert_parameters;
  }
  return held;
}

int replica_stride(const ParallelLayout& l, int replicas) {
  // The dense and the expert groups have the same size only when ep = tp, and then the same stride.
  return replicas == l.weight_replicas() ? l.tp : std::max(l.ep, l.tp);
}

int replicas_per_node(const Scenario& s, int replicas) {
  const int stride = replica_stride(s.layout, replicas);
  if (stride >= s.cluster.gpus_per_node) return 1;
  return std::gcd(replicas, s.cluster.gpus_per_node / stride);
}

bool reduces_every_microbatch(const ParallelLayout& l) { return l.zero_stage >= 2; }

namespace {

// The gradients' reduce-scatter and the weights' all-gather of `parameters` over `replicas` (ZeRO 1 and up), in
// nccl-tests' sizes: the reduce-scatter's input and the all-gather's output are the whole tensor. One rank or no
// parameters: nothing to move.
ZeroCollectives shard_collectives(const Scenario& s, double parameters, int replicas) {
  if (replicas <= 1 || parameters <= 0) return {};
  const models::OptimizerPrecision& p = s.job.optimizer;
  const int per_node = replicas_per_node(s, replicas);
  return {{hw::CollectiveKind::kReduceScatter, parameters * p.gradient_bytes, replicas, per_node},
          {hw::CollectiveKind::kAllGather, parameters * p.weight_bytes, replicas, per_node}};
}

}  // namespace

ZeroCollectives zero_collectives(const Scenario& s, double parameters, int replicas) {
  if (replicas <= 1 || parameters <= 0) return {};
  if (s.layout.zero_stage == 0)
    return {{hw::CollectiveKind::kAllReduce, parameters * s.job.optimizer.gradient_bytes, replicas,
             replicas_per_node(s, replicas)},
            {}};
  const ZeroCollectives shard = shard_collectives(s, parameters, replicas);
  if (reduces_every_microbatch(s.layout)) return {{}, shard.after_optimizer};
  return shard;
}

CommLoad dp_collective_load(const Scenario& s, double parameters, int replicas) {
  const ZeroCollectives end = zero_collectives(s, parameters, replicas);
  CommLoad load;
  const hw::ClusterSpec cluster = s.cluster.with_nic_share_per_gpu();
  auto add = [&](const hw::Collective& c, double times) {
    const hw::CollectiveTime t = hw::nccl_collective_time(c, cluster);
    (t.link == hw::CollectiveLink::kNic ? load.nic_s : load.nvlink_s) += times * t.bandwidth_s;
    load.latency_s += times * t.latency_s;
  };
  // From ZeRO 2 the reduce-scatter runs per layer and micro-batch: counted once here, as ZeRO 1's.
  add(reduces_every_microbatch(s.layout) ? shard_collectives(s, parameters, replicas).before_optimizer
                                         : end.before_optimizer,
      1);
  // ZeRO 3 gathers the weights again in forward and backward.
  add(end.after_optimizer, s.layout.zero_stage == 3 ? 3 : 1);
  return load;
}

std::vector<GradientBucket> gradient_buckets(const StagePlan& plan, int device, const PricedModel& priced,
                                             const models::ModelConfig& model, double bucket_parameters) {
  TS_CHECK(bucket_parameters > 0, "bucket of {} parameters", bucket_parameters);
  std::vector<GradientBucket> out;
  const std::vector<int>& stages = plan.device_stages[static_cast<std::size_t>(device)];
  for (auto stage = stages.rbegin(); stage != stages.rend(); ++stage) {
    const std::vector<StageLayer> layers = stage_layers(plan.stages[static_cast<std::size_t>(*stage)], model);
    double filled[2] = {0, 0};  // [expert]: parameters in the open bucket
    int layer = static_cast<int>(layers.size()) - 1;
    auto close = [&](bool expert, int buckets) {
      for (int b = 0; b < buckets; ++b) out.push_back({filled[expert] / buckets, expert, *stage, layer});
      filled[expert] = 0;
    };
    for (; layer >= 0; --layer) {
      const models::LayerOps& ops = priced.of(layers[static_cast<std::size_t>(layer)].kind).ops;
      filled[0] += ops.parameters;
      filled[1] += ops.expert_parameters;
      for (bool expert : {false, true})
        if (filled[expert] >= bucket_parameters) close(expert, static_cast<int>(filled[expert] / bucket_parameters));
    }
    layer = 0;  // the chunk's rest is ready with its first layer's backward
    for (bool expert : {false, true})
      if (filled[expert] > 0) close(expert, 1);
  }
  return out;
}

hw::Collective bucket_collective(const Scenario& s, const GradientBucket& bucket, int replicas) {
  return zero_collectives(s, bucket.parameters, replicas).before_optimizer;
}

UnitCollectives unit_collectives(const Scenario& s, const models::LayerOps& layer) {
  const ParallelLayout& l = s.layout;
  UnitCollectives out;
  const std::array<double, 2> parameters = {layer.parameters, layer.expert_parameters};
  const std::array<int, 2> replicas = {l.weight_replicas(), l.expert_data_parallel()};
  for (std::size_t e = 0; e < 2; ++e) {
    const ZeroCollectives shard = shard_collectives(s, parameters[e], replicas[e]);
    out.reduce[e] = shard.before_optimizer;
    if (l.zero_stage == 3) out.gather[e] = shard.after_optimizer;
  }
  return out;
}

double unit_pass_s(const std::vector<double>& compute_s, const std::vector<double>& gather_s,
                   const std::vector<double>& reduce_s) {
  const std::size_t n = compute_s.size();
  if (n == 0) return 0;
  double stream_free_s = gather_s[0], gathered_s = gather_s[0];  // the first unit's gather is not prefetched
  double compute_end_s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double start_s = std::max(compute_end_s, gathered_s);
    if (i + 1 < n) gathered_s = stream_free_s = std::max(stream_free_s, start_s) + gather_s[i + 1];  // prefetch
    compute_end_s = start_s + compute_s[i];
    if (!reduce_s.empty()) stream_free_s = std::max(stream_free_s, compute_end_s) + reduce_s[i];
  }
  return std::max(compute_end_s, stream_free_s);
}

std::string dp_reduction_note(const ParallelLayout& l) {
  if (l.zero_stage == 3)
    return "ZeRO 3 as FSDP: each layer's weights all-gathered before its forward and its backward (prefetched one "
           "layer ahead) and its gradients reduce-scattered after its backward, every micro-batch";
  if (reduces_every_microbatch(l))
    return "ZeRO 2: each layer's gradients reduce-scattered after its backward, every micro-batch (a rank keeps "
           "only its shard's gradients); the weights' all-gather after the optimizer is exposed";
  if (!l.dp_overlap)
    return "ZeRO collectives run after each device's last backward and are exposed (dp_overlap: false)";
  std::string note = fmt::format(
      "DP gradients reduced in buckets of {:.0f}M parameters as the last backward completes them, under the rest of "
      "the backward (Megatron --overlap-grad-reduce)",
      l.dp_bucket() / 1e6);
  if (l.zero_stage > 0)
    note += "; the weights' all-gather after the optimizer is exposed (--overlap-param-gather is not modelled)";
  return note;
}

double optimizer_bytes_per_parameter(const models::OptimizerPrecision& p) {
  return p.gradient_bytes + 2 * p.master_bytes + 4 * p.moment_bytes + p.weight_bytes;
}

namespace {

// The parameters of `held` this GPU keeps a share of for a state ZeRO shards from `from_stage` on.
double held_from_stage(const ParallelLayout& l, const HeldParameters& held, int from_stage) {
  return models::zero_held_parameters(held.parameters, l.weight_replicas(), held.expert_parameters,
                                      l.expert_data_parallel(), l.zero_stage, from_stage);
}

}  // namespace

double gradient_buffer_bytes(const Scenario& s, const HeldParameters& held) {
  return held_from_stage(s.layout, held, 2) * s.job.optimizer.gradient_bytes;
}

double optimizer_seconds(const Scenario& s, const HeldParameters& held, const hw::ShapedOpTimeModel& time_model) {
  const double shard = held_from_stage(s.layout, held, 1);
  return time_model.optimizer_seconds(shard * optimizer_bytes_per_parameter(s.job.optimizer)) +
         time_model.gradient_zeroing_seconds(gradient_buffer_bytes(s, held));
}

}  // namespace trainsim::sim
