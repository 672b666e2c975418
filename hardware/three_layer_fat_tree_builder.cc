// The three-layer fat-tree (see three_layer_fat_tree_builder.h).
#include "hardware/three_layer_fat_tree_builder.h"

#include "hardware/clos_layers.h"

namespace trainsim::hw {

void build_three_layer_fat_tree(const TopologyParams& params, TopologyGraph& graph) {
  const int down = leaf_ports(params).down;
  const std::vector<TopologyVertexId> nics = nic_gpus(params, graph);
  std::vector<ClosLeaf> leaves;
  for (std::size_t e = 0; e < nics.size(); ++e) {
    if (e % static_cast<std::size_t>(down) == 0) leaves.emplace_back();
    leaves.back().endpoints.push_back(nics[e]);
  }
  add_three_layer_clos(params, leaves, 0, graph);
}

}  // namespace trainsim::hw
