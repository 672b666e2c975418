// Export of a Topology to a SimGrid platform built in code: one host per simulated GPU, a split-duplex link
// per topology link, a route along Topology::route for each GPU pair that exchanges data. The only hardware/ file that
// sees SimGrid (docs/simgrid.md#platform); callers hold the hosts as opaque pointers.
#pragma once
#include <utility>
#include <vector>

#include "hardware/topology.h"

namespace simgrid::s4u {
class Host;
}

namespace trainsim::hw {

struct SimGridPlatform {
  std::vector<simgrid::s4u::Host*> hosts;  // parallel to the GPUs asked for
  int link_count = 0;                      // split-duplex links created
  int route_count = 0;
};

// Builds the slice of `topology` that `gpus` (distinct GPU indices) need into the current SimGrid Engine,
// which must exist and not run yet. Hosts compute at `pstate_speeds_flops_per_s` (pstate 0 first; SimGrid
// cannot change a speed once a host is sealed, so every speed a GPU will run at is declared here). Switches need no router of
// their own: the zone is flat (a FullZone) and a route is the list of links it crosses, each traversed in
// its direction; a fabric edge bundling n cables is one link of n times the cable bandwidth (flows spread
// over the cables as ECMP would). Link bandwidths and latencies come from the topology.
// `routes` lists the (source, destination) GPU pairs that send flows, each GPU among `gpus` (every ordered
// pair of a 2,000-GPU slice would be 4M routes, most never used).
SimGridPlatform build_simgrid_platform(const Topology& topology, const std::vector<int>& gpus,
                                       const std::vector<std::pair<int, int>>& routes,
                                       const std::vector<double>& pstate_speeds_flops_per_s);

}  // namespace trainsim::hw
