// ClusterSpec: where a run happens. GPUs, nodes, the NVLink and NIC links as a scenario sets them
// (effective bandwidths), the network topology kind, the price and the calibration that prices its ops.
#pragma once
#include <memory>
#include <string_view>

#include "hardware/gpu_spec.h"

namespace trainsim::hw {

struct Calibration;  // hardware/calibration.h

enum class TopologyKind {
  kFatTree,           // non-blocking two-layer fat-tree
  kMultiPlaneFatTree, // DeepSeek's: one two-layer fat-tree plane per GPU index (NIC k of every node)
  kRailOptimized,
};

std::string_view topology_name(TopologyKind kind);  // "fat-tree", "multi-plane-fat-tree", "rail-optimized"

struct ClusterSpec {
  GpuSpec gpu;
  int nodes = 1;
  int gpus_per_node = 8;
  double nvlink_bandwidth_bytes_per_s = 0;  // per GPU per direction, as achieved (DeepSeek: about 160 GB/s)
  double nvlink_latency_s = 0;
  double nic_bandwidth_bytes_per_s = 0;     // per GPU NIC, as achieved (DeepSeek: about 50 GB/s)
  double nic_latency_s = 0;
  TopologyKind topology = TopologyKind::kMultiPlaneFatTree;
  double price_usd_per_gpu_s = 0;
  int comm_sm_count = 20;  // SMs that communication kernels hold (DeepSeek-V3: 20 of 132)
  // The measured op times chosen for this GPU (hardware/calibration_choice.h); null: the datasheet roofline.
  std::shared_ptr<const Calibration> calibration;

  int gpu_count() const { return nodes * gpus_per_node; }
  // Share of SMs left to compute while communication kernels run.
  double compute_sm_fraction() const;
};

}  // namespace trainsim::hw
