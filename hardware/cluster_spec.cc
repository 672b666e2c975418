// Cluster helpers.
#include "hardware/cluster_spec.h"

namespace trainsim::hw {

std::string_view topology_name(TopologyKind kind) {
  switch (kind) {
    case TopologyKind::kFatTree: return "fat-tree";
    case TopologyKind::kMultiPlaneFatTree: return "multi-plane-fat-tree";
    case TopologyKind::kRailOptimized: return "rail-optimized";
    case TopologyKind::kThreeLayerFatTree: return "fat-tree-3";
    case TopologyKind::kSlimFly: return "slim-fly";
    case TopologyKind::kDragonfly: return "dragonfly";
  }
  return "unknown";
}

std::string_view topology_abbreviation(TopologyKind kind) {
  switch (kind) {
    case TopologyKind::kFatTree: return "ft2";
    case TopologyKind::kMultiPlaneFatTree: return "mpft";
    case TopologyKind::kRailOptimized: return "mrft";
    case TopologyKind::kThreeLayerFatTree: return "ft3";
    case TopologyKind::kSlimFly: return "slimfly";
    case TopologyKind::kDragonfly: return "dragonfly";
  }
  return "unknown";
}

std::vector<TopologyKind> all_topology_kinds() {
  return {TopologyKind::kFatTree, TopologyKind::kMultiPlaneFatTree, TopologyKind::kRailOptimized,
          TopologyKind::kThreeLayerFatTree, TopologyKind::kSlimFly, TopologyKind::kDragonfly};
}

double ClusterSpec::compute_sm_fraction() const {
  if (gpu.sm_count <= 0) return 1.0;
  return static_cast<double>(gpu.sm_count - comm_sm_count) / gpu.sm_count;
}

ClusterSpec ClusterSpec::with_nic_share_per_gpu() const {
  ClusterSpec shared = *this;
  shared.nic_bandwidth_bytes_per_s = nic_share_bytes_per_s();
  shared.nics_per_node = gpus_per_node;
  return shared;
}

}  // namespace trainsim::hw
