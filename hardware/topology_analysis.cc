// Gathering a network's analyses (see topology_analysis.h).
#include "hardware/topology_analysis.h"

namespace trainsim::hw {

TopologyAnalysis analyse_topology(const Topology& topology, int switch_radix, double link_bytes_per_s,
                                  const NetworkPrices& prices) {
  TopologyAnalysis a;
  a.kind = topology.kind();
  a.switch_radix = switch_radix;
  a.link_bytes_per_s = link_bytes_per_s;
  a.inventory = take_inventory(topology);
  a.cost = price_network(a.inventory, prices);
  a.bisection_bytes_per_s = bisection_bandwidth_bytes_per_s(topology);
  a.distances = topology_distances(topology);
  return a;
}

}  // namespace trainsim::hw
