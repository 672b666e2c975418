// Test fixture: a multi-plane fat-tree of `nodes` H800 nodes (8 GPUs, 160 GB/s NVLink, 50 GB/s NICs by the
// topology defaults) with the given link latencies, for the engine's and the pipeline graph's laws.
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::sim::testing {

inline hw::Topology cluster(int nodes, double nic_latency_s = 0, double nvlink_latency_s = 0) {
  hw::TopologyParams p;
  p.nodes = nodes;
  p.nic_latency_s = nic_latency_s;
  p.nvlink_latency_s = nvlink_latency_s;
  return hw::build_topology(hw::TopologyKind::kMultiPlaneFatTree, p);
}

}  // namespace trainsim::sim::testing
