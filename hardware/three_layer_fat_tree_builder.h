// Builder of the three-layer fat-tree (FT3): leaves, spines (aggregation) and cores of identical k-port
// switches, as Al-Fares, Loukissas and Vahdat build it ("A scalable, commodity data center network
// architecture", SIGCOMM 2008): k pods of k/2 leaves and k/2 spines, (k/2)^2 cores. For k = 64: 65,536
// endpoints, 5,120 switches, 131,072 links, the FT3 of the ISCA 2025 table. Fewer endpoints fill fewer pods
// with fewer cores (hardware/clos_layers.h); an oversubscribed leaf has fewer spines per pod.
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::hw {

// NICs dealt to leaves in GPU order, `down` per leaf.
void build_three_layer_fat_tree(const TopologyParams& params, TopologyGraph& graph);

}  // namespace trainsim::hw
