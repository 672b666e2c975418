// ZeRO collectives and the optimizer step (see data_parallel.h).
#include "sim/step/data_parallel.h"

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

ZeroCollectives zero_collectives(const Scenario& s, double parameters, int replicas) {
  if (replicas <= 1 || parameters <= 0) return {};
  const models::OptimizerPrecision& p = s.job.optimizer;
  using hw::CollectiveKind;
  // nccl-tests' sizes: the reduce-scatter's input and the all-gather's output are the whole tensor.
  if (s.layout.zero_stage == 0) return {{CollectiveKind::kAllReduce, parameters * p.gradient_bytes, replicas, 1}, {}};
  return {{CollectiveKind::kReduceScatter, parameters * p.gradient_bytes, replicas, 1},
          {CollectiveKind::kAllGather, parameters * p.weight_bytes, replicas, 1}};
}

CommLoad dp_collective_load(const Scenario& s, double parameters, int replicas) {
  const ZeroCollectives end = zero_collectives(s, parameters, replicas);
  CommLoad load;
  const hw::ClusterSpec cluster = s.cluster.with_nic_share_per_gpu();
  auto add = [&](const hw::Collective& c, double times) {
    const hw::CollectiveTime t = hw::nccl_collective_time(c, cluster);
    load.nic_s += times * t.bandwidth_s;
    load.latency_s += times * t.latency_s;
  };
  add(end.before_optimizer, 1);
  // ZeRO 3 gathers the weights again in forward and backward.
  add(end.after_optimizer, s.layout.zero_stage == 3 ? 3 : 1);
  return load;
}

double optimizer_seconds(const Scenario& s, const HeldParameters& held, const hw::ShapedOpTimeModel& time_model) {
  const ParallelLayout& l = s.layout;
  const models::OptimizerPrecision& p = s.job.optimizer;
  const double shard = l.zero_stage >= 1 ? held.parameters / l.dp + held.expert_parameters / l.expert_data_parallel()
                                         : held.parameters + held.expert_parameters;
  const double bytes_per_parameter = p.gradient_bytes + 2 * p.master_bytes + 4 * p.moment_bytes + p.weight_bytes;
  return time_model.memory_bound_seconds(shard * bytes_per_parameter);
}

}  // namespace trainsim::sim
