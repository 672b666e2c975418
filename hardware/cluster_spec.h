// ClusterSpec: where a run happens. GPUs, nodes, the NVLink and NIC links as a scenario sets them
// (effective bandwidths), the network topology kind, the price and the calibration that prices its ops.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "hardware/capex_spec.h"
#include "hardware/failure_spec.h"
#include "hardware/gpu_spec.h"
#include "hardware/network_failures.h"
#include "hardware/power_spec.h"

namespace trainsim::hw {

struct Calibration;  // hardware/calibration.h

// Each kind's construction and source: the header of its builder (hardware/*_builder.h).
enum class TopologyKind {
  kFatTree,           // FT2: two-layer fat-tree (non-blocking unless oversubscribed)
  kMultiPlaneFatTree, // MPFT, DeepSeek's: one two-layer fat-tree plane per GPU index (NIC k of every node)
  kRailOptimized,     // MRFT: rail-optimized fat-tree, NIC k of every node on rail k's leaves, spines shared
  kThreeLayerFatTree, // FT3: three-layer fat-tree (leaf, spine, core)
  kSlimFly,           // Slim Fly: MMS graph of diameter 2
  kDragonfly,         // canonical Dragonfly: all-to-all groups joined by global links
};

// "fat-tree", "multi-plane-fat-tree", "rail-optimized", "fat-tree-3", "slim-fly", "dragonfly": the scenario key.
std::string_view topology_name(TopologyKind kind);
// The short name of the ISCA 2025 table and `trainsim topology --kind`: "ft2", "mpft", "mrft", "ft3", "slimfly",
// "dragonfly".
std::string_view topology_abbreviation(TopologyKind kind);
// Every kind, in the order tables list them.
std::vector<TopologyKind> all_topology_kinds();

struct ClusterSpec {
  GpuSpec gpu;
  int nodes = 1;
  int gpus_per_node = 8;
  double nvlink_bandwidth_bytes_per_s = 0;  // per GPU per direction, as achieved (DeepSeek: about 160 GB/s)
  double nvlink_latency_s = 0;
  double nic_bandwidth_bytes_per_s = 0;     // per NIC, as achieved (DeepSeek: about 50 GB/s); GPUs use the share
  double nic_latency_s = 0;
  int nics_per_node = 0;  // 0: one per GPU. GPUs g and g + nics_per_node share NIC g mod nics_per_node.
  TopologyKind topology = TopologyKind::kMultiPlaneFatTree;
  int planes = 0;         // multi-plane fat-tree: NIC k sits in plane k mod planes; 0: one plane per NIC
  double price_usd_per_gpu_s = 0;
  FailureSpec failures;    // interruptions, checkpoints and restarts (cluster.failures)
  PowerSpec power;         // host, network and facility power (cluster.power)
  CapexSpec capex;         // owned hardware's dollars (cluster.capex); off: price_usd_per_gpu_s
  // What-if: parts of the network failed (cluster.network_failures), applied wherever the network is built for
  // a simulation; its seed is the scenario's.
  NetworkFailures network_failures;
  int comm_sm_count = 20;  // SMs that communication kernels hold (DeepSeek-V3: 20 of 132)
  // Held on every GPU besides model state and activations (cluster.memory_reserve): the CUDA context and
  // library workspaces (about 1 GiB; a bare PyTorch CUDA context alone takes 0.5-0.7 GiB) and communication
  // buffers (NCCL and the EP all-to-all, about 2 GiB). An estimate, not a measurement: docs/sources.md#memory-reserve.
  double memory_reserve_bytes = 3.0 * 1073741824.0;
  // The measured op times chosen for this GPU (hardware/calibration_choice.h); null: the datasheet roofline.
  std::shared_ptr<const Calibration> calibration;

  int gpu_count() const { return nodes * gpus_per_node; }
  int nic_count_per_node() const { return nics_per_node > 0 ? nics_per_node : gpus_per_node; }
  int plane_count() const { return planes > 0 ? planes : nic_count_per_node(); }
  // Each GPU's share of its NIC: nics_per_node / gpus_per_node of the NIC's rate (whole GPUs per NIC, so the
  // default of one NIC per GPU divides by 1 and leaves the rate bit for bit). Every per-GPU NIC rate is this.
  double nic_share_bytes_per_s() const { return nic_bandwidth_bytes_per_s / (gpus_per_node / nic_count_per_node()); }
  // A copy whose nic_bandwidth is the per-GPU share, for models written for one NIC per GPU
  // (hardware/nccl_collective.h prices each rank's NIC link from nic_bandwidth_bytes_per_s).
  ClusterSpec with_nic_share_per_gpu() const;
  // Share of SMs left to compute while communication kernels run.
  double compute_sm_fraction() const;
};

}  // namespace trainsim::hw
