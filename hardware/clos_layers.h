// ClosLayers: the switch layers every fat-tree builder shares (FT2, MPFT, MRFT, FT3). Given which endpoints
// each leaf holds, it adds the leaves and one or two layers of switches above them, the wiring of the folded
// Clos network of Leiserson's fat-tree (IEEE Trans. Computers C-34, 1985) as Al-Fares, Loukissas and Vahdat
// build it from identical k-port switches ("A scalable, commodity data center network architecture",
// SIGCOMM 2008): in a pod every leaf links to every spine; spine j of every pod links to core group j.
#pragma once
#include <vector>

#include "hardware/topology_builder.h"

namespace trainsim::hw {

struct LeafPorts {
  int down = 0;  // ports toward endpoints
  int up = 0;    // ports toward spines
};
// radix * r / (r + 1) down and radix / (r + 1) up for oversubscription r (r = 1: half and half).
LeafPorts leaf_ports(const TopologyParams& params);

struct ClosLeaf {
  std::vector<TopologyVertexId> endpoints;  // NIC GPUs, each linked to this leaf
  int group = -1;                           // TopologyVertex::group of the leaf (MRFT: its rail)
};

// Two layers: leaves and the fewest spines whose ports take every leaf uplink, each leaf's up ports dealt
// round-robin over the spines (a leaf-spine edge bundles its cables). At most `radix` leaves. One leaf
// needs no spine.
void add_two_layer_clos(const TopologyParams& params, const std::vector<ClosLeaf>& leaves, int plane,
                        TopologyGraph& graph);

// Three layers: pods of radix/2 leaves (the last may have fewer), each pod with `up` spines (every leaf one
// cable to each); spine j of every pod links to core group j, whose fewest cores take those uplinks (a spine
// has radix/2 up ports, dealt round-robin over its group's cores). At most `radix` pods. Spines and leaves
// carry their pod as group unless the leaf names its own. One leaf needs
// nothing above it.
void add_three_layer_clos(const TopologyParams& params, const std::vector<ClosLeaf>& leaves, int plane,
                          TopologyGraph& graph);

}  // namespace trainsim::hw
