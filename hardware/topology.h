// Topology: a built cluster network (TopologyGraph) with its analyses (endpoints, switches, links, as the
// ISCA 2025 paper of DeepSeek counts them) and its routes, as plain link lists the platform export reads.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hardware/cluster_spec.h"
#include "hardware/topology_graph.h"

namespace trainsim::hw {

// One link of a route, traversed up (source to target of its edge) or down.
struct RouteHop {
  int link = 0;  // TopologyEdge::id
  bool up = true;
  friend bool operator==(const RouteHop&, const RouteHop&) = default;
};

class Topology {
 public:
  // nics_per_node: GPUs g and g + nics_per_node of a node share NIC g mod nics_per_node, the NIC link of
  // the node's GPU g mod nics_per_node; 0: one per GPU.
  Topology(TopologyKind kind, TopologyGraph graph, int nodes, int gpus_per_node, int nics_per_node = 0);
  // Copies point their edge table at their own graph (a Boost edge descriptor points into the graph it came
  // from); there is no cheaper move, so a move copies too.
  Topology(const Topology& other);
  Topology& operator=(const Topology& other);

  TopologyKind kind() const { return kind_; }
  const TopologyGraph& graph() const { return graph_; }
  int nodes() const { return nodes_; }
  int gpus_per_node() const { return gpus_per_node_; }
  int gpu_count() const { return nodes_ * gpus_per_node_; }
  int nics_per_node() const { return nics_per_node_; }
  int node_of(int gpu) const { return gpu / gpus_per_node_; }

  // Counting convention of the ISCA 2025 table (Slim Fly cost method): endpoints are NICs attached to the
  // scale-out network; switches are scale-out switches (leaf, spine; not NVSwitches); links are
  // switch-to-switch cables (NIC-to-leaf cables and NVLinks not counted). FT2 of 64-port switches: 2,048
  // endpoints, 96 switches, 2,048 links.
  int endpoint_count() const;
  int switch_count() const;
  int link_count() const;
  int planes() const;

  int edge_count() const { return static_cast<int>(edges_.size()); }
  const TopologyEdge& edge(int link) const { return graph_[edges_.at(link)]; }
  // The link's bandwidth per direction over all its cables (flow level: traffic spreads over them).
  double link_bandwidth_bytes_per_s(int link) const;
  std::string link_name(int link) const;  // "gpu3-nvlink", "gpu3-nic", "leaf2-spine5"
  std::string vertex_name(TopologyVertexId v) const;

  // The route a flow from GPU src to GPU dst takes (routing rule in topology.cc). Empty when src == dst.
  // Throws trainsim::Error when a network with failed parts (topology_failures.h) has no path left between
  // them; connected() says so first. Not thread-safe: caches one breadth-first search per destination leaf.
  std::vector<RouteHop> route(int src_gpu, int dst_gpu) const;
  bool connected(int src_gpu, int dst_gpu) const;

 private:
  struct NicPair {
    int send_gpu = -1;     // the GPU of src's node whose NIC sends (src itself unless its NIC failed)
    int receive_gpu = -1;  // the GPU of dst's node whose NIC receives (dst unless another plane or a failure)
  };
  std::optional<NicPair> nic_pair(int src_gpu, int dst_gpu) const;
  TopologyVertexId leaf_of(int gpu) const;  // the leaf switch of the NIC gpu sends on
  void append_fabric_path(TopologyVertexId from, TopologyVertexId to, int choice,
                          std::vector<RouteHop>& hops) const;
  const std::vector<int>& distances_to(TopologyVertexId to) const;
  void index_edges();  // edges_ from graph_'s edges, by id

  TopologyKind kind_;
  TopologyGraph graph_;
  int nodes_;
  int gpus_per_node_;
  int nics_per_node_;
  std::vector<TopologyEdgeId> edges_;  // by id
  std::vector<int> nvlink_of_;         // per GPU: its NVLink edge id, -1 if none
  std::vector<int> nic_of_;            // per GPU: the NIC edge drawn from it, -1 if none
  std::vector<int> shared_nic_of_;     // per GPU: the NIC edge it sends on (its own or the one it shares)
  mutable std::unordered_map<TopologyVertexId, std::vector<int>> distances_;
};

}  // namespace trainsim::hw
