// TopologyAnalysis: everything `trainsim topology` reports about one built network, gathered from the
// analyses that own each figure (inventory, cost, bisection, distances).
#pragma once
#include "hardware/bisection_bandwidth.h"
#include "hardware/network_cost.h"
#include "hardware/topology_distances.h"
#include "hardware/topology_inventory.h"

namespace trainsim::hw {

struct TopologyAnalysis {
  TopologyKind kind = TopologyKind::kFatTree;
  int switch_radix = 0;
  double link_bytes_per_s = 0;  // per NIC and direction
  TopologyInventory inventory;
  NetworkCost cost;
  double bisection_bytes_per_s = 0;
  TopologyDistances distances;
};

TopologyAnalysis analyse_topology(const Topology& topology, int switch_radix, double link_bytes_per_s,
                                  const NetworkPrices& prices = {});

}  // namespace trainsim::hw
