// Builders of two-layer fat-trees: the single-plane one (FT2) and DeepSeek's multi-plane one (MPFT: plane k
// links NIC k of every node; ISCA 2025, "Insights into DeepSeek-V3", section 5). The wiring is the folded
// Clos of hardware/clos_layers.h.
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::hw {

// Leaves take the NICs in GPU order, `down` per leaf (half the ports unless oversubscribed), and the fewest
// spines take their uplinks. At most radix * down endpoints per plane: 2,048 for 64-port switches.
void build_fat_tree(const TopologyParams& params, TopologyGraph& graph);
void build_multi_plane_fat_tree(const TopologyParams& params, TopologyGraph& graph);

}  // namespace trainsim::hw
