// Cluster helpers.
#include "hardware/cluster_spec.h"

namespace trainsim::hw {

std::string_view topology_name(TopologyKind kind) {
  switch (kind) {
    case TopologyKind::kFatTree: return "fat-tree";
    case TopologyKind::kMultiPlaneFatTree: return "multi-plane-fat-tree";
    case TopologyKind::kRailOptimized: return "rail-optimized";
  }
  return "unknown";
}

double ClusterSpec::compute_sm_fraction() const {
  if (gpu.sm_count <= 0) return 1.0;
  return static_cast<double>(gpu.sm_count - comm_sm_count) / gpu.sm_count;
}

}  // namespace trainsim::hw
