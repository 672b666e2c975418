// GPU placement of a simulated replica and its communication peers (see replica_gpus.h).
#include "sim/step/replica_gpus.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace trainsim::sim {

ReplicaGpus::ReplicaGpus(const Scenario& s, int devices, bool every_gpu)
    : block_(s.cluster.gpu_count() / devices),
      per_node_(s.cluster.gpus_per_node),
      gpu_count_(s.cluster.gpu_count()),
      tp_(s.layout.tp),
      ep_(s.layout.ep),
      members_(every_gpu ? std::lcm(std::max(1, s.layout.ep), s.layout.tp) : 1) {
  TS_CHECK(block_ >= members_ && block_ % members_ == 0, "{} GPUs per device, groups of {}", block_, members_);
}

int ReplicaGpus::group_start(int gpu, int group) const {
  if (group >= gpu_count_) return 0;
  const int base = gpu / block_ * block_;
  return group >= block_ ? base : base + (gpu - base) / group * group;
}

int ReplicaGpus::nvlink_peer(int gpu, int group) const {
  const int first = group_start(gpu, group), in_node = std::min(group, per_node_);
  if (in_node <= 1) return -1;
  const int offset = gpu - first, node = offset / per_node_, index = offset % per_node_;
  return first + node * per_node_ + (index + 1) % in_node;
}

int ReplicaGpus::nic_peer(int gpu, int group) const {
  const int first = group_start(gpu, group), nodes = group / per_node_;
  if (nodes <= 1) return -1;
  const int offset = gpu - first;
  return first + (offset / per_node_ + 1) % nodes * per_node_ + offset % per_node_;
}

int ReplicaGpus::ring_peer(int gpu, int stride) const {
  const int base = gpu / block_ * block_, offset = gpu - base;
  const int step = block_ > per_node_ && stride < per_node_ ? per_node_ : stride;
  const int peer = base + (offset + step) % block_;
  return peer == gpu ? -1 : peer;
}

int ReplicaGpus::ring_peer(int gpu, int stride, hw::CollectiveLink link) const {
  if (link == hw::CollectiveLink::kNic || block_ <= per_node_) return ring_peer(gpu, stride);
  if (stride >= per_node_) return -1;
  const int node_base = gpu / per_node_ * per_node_, peer = node_base + (gpu - node_base + stride) % per_node_;
  return peer == gpu ? -1 : peer;
}

}  // namespace trainsim::sim
