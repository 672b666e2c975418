// Diameter and path diversity of a built network, by breadth-first search over its switch-to-switch links
// from the switches that hold NICs (leaves; every router in Slim Fly and Dragonfly). Distances are switch
// hops between two such switches (FT2 2, FT3 4, Slim Fly 2, Dragonfly 3); pairs the fabric cannot join
// (different planes of a multi-plane fat-tree, which meet over NVLink) are left out.
#pragma once
#include "hardware/topology.h"

namespace trainsim::hw {

struct TopologyDistances {
  int diameter_hops = 0;
  // The fewest minimal paths between two NIC switches at the diameter's distance, a path per distinct
  // sequence of cables (a bundle of n cables counts n times): how many ways the worst-placed pair can spread.
  double path_diversity = 0;
  int sources = 0;     // NIC switches searched from
  bool exact = true;   // every NIC switch searched from
};

// Searches from every NIC switch when there are at most `max_sources`, else from `max_sources` spread evenly
// in index order. Sampled, the figures are exact for the builders here, whose NIC switches are alike
// (fat-tree leaves; Slim Fly's MMS graph is vertex-transitive; Dragonfly groups are alike) and which every
// sample spans; for an arbitrary graph the diameter would be a lower bound.
TopologyDistances topology_distances(const Topology& topology, int max_sources = 128);

}  // namespace trainsim::hw
