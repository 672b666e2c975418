// Builder of the rail-optimized fat-tree (MRFT, multi-rail): NIC k of every node sits on rail k, and each
// scalable unit (SU) of `down` nodes has one leaf per rail holding NIC k of all its nodes; the spines above
// are shared by every rail. This is NVIDIA's DGX SuperPOD compute fabric (DGX SuperPOD reference
// architecture, DGX H100, 2023: SUs of 32 nodes, 8 rail leaves per SU, a full fat-tree of spines over all
// rails; a core layer above when the leaves outgrow one spine layer). Unlike MPFT, traffic between rails
// stays in the fabric (leaf, spine, leaf) instead of crossing NVLink on the destination node.
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::hw {

// Two layers while the leaves fit under one spine layer (at most radix leaves), else three
// (hardware/clos_layers.h), pods of radix/2 leaves in SU order. Leaves carry their rail as group.
void build_rail_optimized_fat_tree(const TopologyParams& params, TopologyGraph& graph);

}  // namespace trainsim::hw
