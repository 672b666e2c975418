// ZeRO collectives and the optimizer step (see data_parallel.h).
#include "sim/step/data_parallel.h"

#include <memory>

#include "hardware/calibrated_constants.h"
#include "hardware/memory_time_model.h"

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

double optimizer_seconds(const Scenario& s, const HeldParameters& held) {
  const ParallelLayout& l = s.layout;
  const models::OptimizerPrecision& p = s.job.optimizer;
  const double shard = l.zero_stage >= 1 ? held.parameters / l.dp + held.expert_parameters / l.expert_data_parallel()
                                         : held.parameters + held.expert_parameters;
  // Adam over the shard: read the gradient, read and write the master weight and both moments, write the
  // weight. A memory-bound kernel: priced by the calibration's memory-bound fit where it has one.
  const double bytes_per_parameter = p.gradient_bytes + 2 * p.master_bytes + 4 * p.moment_bytes + p.weight_bytes;
  const double bytes = shard * bytes_per_parameter;
  const std::shared_ptr<const hw::CalibratedConstants> calibrated =
      hw::calibrated_constants(s.cluster.calibration, s.cluster.gpu);
  if (calibrated->is_fitted(hw::KernelFamily::kMemoryBound) &&
      calibrated->covered[static_cast<std::size_t>(hw::KernelFamily::kMemoryBound)].contains(bytes))
    return hw::MemoryTimeModel(s.cluster.gpu, calibrated->constants.memory)
        .seconds(hw::MemoryOpShape{bytes, 0, 1}, s.cluster.gpu.sm_count);
  return bytes / (s.cluster.gpu.hbm_bandwidth_bytes_per_s * hw::RooflineEfficiencies{}.memory);
}

}  // namespace trainsim::sim
