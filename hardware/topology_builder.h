// TopologyBuilder: the registry that turns a TopologyKind and its parameters into a Topology. Each fabric
// registers its builder here (FT2 and MPFT, FT3, MRFT, Slim Fly, Dragonfly); nothing downstream changes.
#pragma once
#include <functional>
#include <optional>

#include "hardware/cluster_spec.h"
#include "hardware/topology.h"

namespace trainsim::hw {

struct TopologyParams {
  int nodes = 1;
  int gpus_per_node = 8;
  int switch_radix = 64;  // ports per scale-out switch (DeepSeek: 64-port 400G IB switches)
  double nvlink_bandwidth_bytes_per_s = 160e9;  // per GPU and direction
  double nvlink_latency_s = 0;                  // GPU to NVSwitch; a GPU-to-GPU hop crosses two
  int nics_per_node = 0;  // 0: one per GPU; else GPUs g and g + nics_per_node share NIC g mod nics_per_node
  int planes = 0;         // multi-plane fat-tree: NIC k in plane k mod planes; 0: one plane per NIC
  double nic_bandwidth_bytes_per_s = 50e9;      // per NIC and direction (GPUs sharing a NIC share this)
  double nic_latency_s = 0;                     // NIC to leaf
  double fabric_bandwidth_bytes_per_s = 50e9;   // per switch-to-switch cable and direction
  double fabric_latency_s = 0;
  // Leaf down ports per up port (fat-trees: 1 is non-blocking, 3 gives 48 down and 16 up of 64 ports); the
  // ports must split into whole numbers. Fabrics without leaves and spines refuse anything but 1.
  int oversubscription = 1;
};

// Links take the scenario's effective bandwidths; fabric cables run at the NIC's rate.
TopologyParams topology_params(const ClusterSpec& cluster, int switch_radix = 64);

// A builder adds switches and links to `graph`, which already holds the nodes (GPUs on their NVSwitch).
using TopologyBuilder = std::function<void(const TopologyParams&, TopologyGraph& graph)>;

void register_topology_builder(TopologyKind kind, TopologyBuilder builder);
// Throws ConfigError for a kind without a builder or parameters it cannot serve.
Topology build_topology(TopologyKind kind, const TopologyParams& params);

// Helpers for builders: add a vertex, add an edge with the next dense id.
TopologyVertexId add_vertex(TopologyGraph& graph, VertexKind kind, int index, int node = -1, int plane = 0,
                            int group = -1);
// medium: by default NVLink and NIC links copper (within the rack), switch-to-switch links optical.
void add_link(TopologyGraph& graph, TopologyVertexId lower, TopologyVertexId upper, LinkKind kind,
              double bandwidth_bytes_per_s, double latency_s, int cables = 1,
              std::optional<CableMedium> medium = std::nullopt);
// The NIC vertices of `graph` (GPUs with a NIC of their own: index in node < nics per node), in GPU order.
std::vector<TopologyVertexId> nic_gpus(const TopologyParams& params, const TopologyGraph& graph);
// The ConfigError a builder throws for parameters it cannot serve: `field` of cluster, what was asked, the limit.
[[noreturn]] void refuse_topology(std::string_view field, std::string got, std::string expected,
                                  std::string hint = {});

}  // namespace trainsim::hw
