// Builders of two-layer fat-trees: the non-blocking single-plane one (FT2) and DeepSeek's multi-plane one
// (MPFT: plane k links NIC k of every node; ISCA 2025, "Insights into DeepSeek-V3", section 5).
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::hw {

// Leaves use half their ports down (endpoints) and half up (spines), so the tree is non-blocking. A plane of
// E endpoints has ceil(E / (radix/2)) leaves and the fewest spines whose ports take all leaf uplinks, each
// leaf's uplinks dealt round-robin over the spines (a leaf-spine edge bundles the cables it gets). At most
// radix^2/2 endpoints per plane: 2,048 for 64-port switches.
void build_fat_tree(const TopologyParams& params, TopologyGraph& graph);
void build_multi_plane_fat_tree(const TopologyParams& params, TopologyGraph& graph);

}  // namespace trainsim::hw
