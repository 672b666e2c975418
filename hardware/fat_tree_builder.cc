// Two-layer fat-tree planes (see fat_tree_builder.h). Counts reproduce the ISCA 2025 table for 64-port
// switches: FT2 2,048 endpoints / 96 switches / 2,048 links; MPFT (8 planes) 16,384 / 768 / 16,384.
#include "hardware/fat_tree_builder.h"

#include "hardware/clos_layers.h"

namespace trainsim::hw {
namespace {

// `nics` dealt to leaves in order, `down` per leaf.
std::vector<ClosLeaf> leaves_in_order(const TopologyParams& p, const std::vector<TopologyVertexId>& nics) {
  const int down = leaf_ports(p).down;
  std::vector<ClosLeaf> leaves;
  for (std::size_t e = 0; e < nics.size(); ++e) {
    if (e % static_cast<std::size_t>(down) == 0) leaves.emplace_back();
    leaves.back().endpoints.push_back(nics[e]);
  }
  return leaves;
}

}  // namespace

// NOTE: a NIC is drawn as the link from the first GPU that uses it (GPU k < nics_per_node of its node) to
// its leaf; the GPUs k + nics_per_node, ... of the node reach it over PCIe and send on that same link
// (Topology maps them to it), so the engine divides one NIC's rate among them.
void build_fat_tree(const TopologyParams& params, TopologyGraph& graph) {
  add_two_layer_clos(params, leaves_in_order(params, nic_gpus(params, graph)), 0, graph);
}

void build_multi_plane_fat_tree(const TopologyParams& params, TopologyGraph& graph) {
  const int nics = params.nics_per_node > 0 ? params.nics_per_node : params.gpus_per_node;
  const int planes = params.planes > 0 ? params.planes : nics;
  const std::vector<TopologyVertexId> all = nic_gpus(params, graph);
  for (int k = 0; k < planes; ++k) {
    std::vector<TopologyVertexId> in_plane;
    for (TopologyVertexId v : all)
      if (graph[v].index % params.gpus_per_node % planes == k) in_plane.push_back(v);
    add_two_layer_clos(params, leaves_in_order(params, in_plane), k, graph);
  }
}

}  // namespace trainsim::hw
