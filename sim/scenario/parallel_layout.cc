// Stage counts per schedule: interleaving gives each device v stages, DualPipeV folds a V of 2 pp stages;
// the gradient bucket size.
#include "sim/scenario/parallel_layout.h"

#include <algorithm>

namespace trainsim::sim {

int ParallelLayout::stage_count() const {
  switch (schedule) {
    case ScheduleKind::kInterleaved: return pp * virtual_stages;
    case ScheduleKind::kDualPipeV: return 2 * pp;
    default: return pp;
  }
}

// Megatron-Core's DistributedDataParallelConfig.bucket_size: "If unspecified, MCore uses a default value of
// max(40000000, 1000000 * dp_size) parameters (larger DP sizes need larger buckets to ensure collectives do
// not become latency-bound)" (megatron/core/distributed/distributed_data_parallel_config.py).
double ParallelLayout::dp_bucket() const {
  if (dp_bucket_parameters > 0) return dp_bucket_parameters;
  // Megatron-LM sizes it by the data-parallel group with context parallelism (training.py: dp_cp's size).
  return std::max(40e6, 1e6 * weight_replicas());
}

}  // namespace trainsim::sim
