// The rail-optimized fat-tree (see rail_optimized_builder.h).
#include "hardware/rail_optimized_builder.h"

#include "hardware/clos_layers.h"

namespace trainsim::hw {

void build_rail_optimized_fat_tree(const TopologyParams& params, TopologyGraph& graph) {
  const int rails = params.nics_per_node > 0 ? params.nics_per_node : params.gpus_per_node;
  const int su_nodes = leaf_ports(params).down;  // a rail leaf takes NIC k of this many nodes
  const int units = (params.nodes + su_nodes - 1) / su_nodes;
  const std::vector<TopologyVertexId> nics = nic_gpus(params, graph);  // node-major, NIC k of node n at n * rails + k
  std::vector<ClosLeaf> leaves;
  for (int su = 0; su < units; ++su)
    for (int rail = 0; rail < rails; ++rail) {
      ClosLeaf leaf;
      leaf.group = rail;
      for (int n = su * su_nodes; n < std::min(params.nodes, (su + 1) * su_nodes); ++n)
        leaf.endpoints.push_back(nics[static_cast<std::size_t>(n * rails + rail)]);
      leaves.push_back(std::move(leaf));
    }
  if (static_cast<int>(leaves.size()) <= params.switch_radix)
    add_two_layer_clos(params, leaves, 0, graph);
  else
    add_three_layer_clos(params, leaves, 0, graph);
}

}  // namespace trainsim::hw
