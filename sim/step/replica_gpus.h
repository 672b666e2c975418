// ReplicaGpus: which cluster GPUs a simulated pipeline replica uses, and the peers its communication goes
// to. Pipeline device d owns the cluster's GPUs [d x block, (d+1) x block) (all replicas of its stages); the
// slice takes its first `members`, EP and TP groups as consecutive blocks aligned to nodes.
#pragma once
#include "hardware/nccl_collective.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim {

class ReplicaGpus {
 public:
  // every_gpu: lcm(ep, tp) members per device (gpu fidelity); else one (stage fidelity).
  ReplicaGpus(const Scenario& scenario, int devices, bool every_gpu);
  int members() const { return members_; }
  int gpu(int device, int member) const { return device * block_ + member; }

  // Where a GPU's share of an all-to-all among the `group` GPUs around it goes when merged into one flow
  // per link kind (step_graph.h): the next GPU of its node in the group over NVLink, the same index on
  // the next node of the group over its NIC. Every GPU then sends and receives one flow on each port, the
  // bytes of the node-limited pattern when each carries the GPU's whole share. -1 when the group has one
  // GPU per node (NVLink) or one node (NIC). A group of the whole cluster stands for the representative
  // GPU's peers at stage fidelity.
  int nvlink_peer(int gpu, int group) const;
  int nic_peer(int gpu, int group) const;
  // The next replica in a data-parallel ring whose replicas sit `stride` GPUs apart within the device's
  // block, taken a node away where the block spans nodes (the ring's bottleneck is the NIC); -1 if none.
  int ring_peer(int gpu, int stride) const;
  // The same ring's next replica on the link NCCL's ring is bound by (hardware/nccl_collective.h): over the
  // NIC, ring_peer; over NVLink (a node's replicas sharing its NICs can leave NVLink the slower leg), the next
  // replica inside the GPU's node. -1 if none.
  int ring_peer(int gpu, int stride, hw::CollectiveLink link) const;

  int tp() const { return tp_; }
  int ep() const { return ep_; }
  int cluster_gpus() const { return gpu_count_; }

 private:
  int group_start(int gpu, int group) const;
  int block_, per_node_, gpu_count_, tp_, ep_, members_;
};

}  // namespace trainsim::sim
