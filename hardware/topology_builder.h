// TopologyBuilder: the registry that turns a TopologyKind and its parameters into a Topology. New fabrics
// (three-layer, rail-optimized, Slim Fly, Dragonfly) register a builder here; nothing downstream changes.
#pragma once
#include <functional>

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
};

// Links take the scenario's effective bandwidths; fabric cables run at the NIC's rate.
TopologyParams topology_params(const ClusterSpec& cluster, int switch_radix = 64);

// A builder adds switches and links to `graph`, which already holds the nodes (GPUs on their NVSwitch).
using TopologyBuilder = std::function<void(const TopologyParams&, TopologyGraph& graph)>;

void register_topology_builder(TopologyKind kind, TopologyBuilder builder);
// Throws ConfigError for a kind without a builder or parameters it cannot serve.
Topology build_topology(TopologyKind kind, const TopologyParams& params);

// Helpers for builders: add a vertex, add an edge with the next dense id.
TopologyVertexId add_vertex(TopologyGraph& graph, VertexKind kind, int index, int node = -1, int plane = 0);
void add_link(TopologyGraph& graph, TopologyVertexId lower, TopologyVertexId upper, LinkKind kind,
              double bandwidth_bytes_per_s, double latency_s, int cables = 1);

}  // namespace trainsim::hw
