// Counting a network's parts (see topology_inventory.h).
#include "hardware/topology_inventory.h"

namespace trainsim::hw {

TopologyInventory take_inventory(const Topology& topology) {
  TopologyInventory inv;
  inv.endpoints = topology.endpoint_count();
  inv.switches = topology.switch_count();
  inv.planes = topology.planes();
  for (int link = 0; link < topology.edge_count(); ++link) {
    const TopologyEdge& e = topology.edge(link);
    if (e.kind == LinkKind::kNic) inv.endpoint_links += e.cables;
    if (e.kind != LinkKind::kFabric) continue;
    (e.medium == CableMedium::kOptical ? inv.optical_links : inv.copper_links) += e.cables;
  }
  inv.links = inv.copper_links + inv.optical_links;
  return inv;
}

}  // namespace trainsim::hw
