// What-if failures of a built network: named links, switches, NICs or whole planes, and fabric links failing at
// random at a rate. The failed network is a Topology like any other, so every analysis and the engine run on
// it, and its routes go around what failed (topology.cc's routing rule).
#pragma once
#include <string>

#include "hardware/network_failures.h"
#include "hardware/topology.h"

namespace trainsim::hw {

// What failed, counted on the healthy network.
struct FailedParts {
  int switches = 0;      // switches that lost every link (named, or in a failed plane)
  int fabric_links = 0;  // switch-to-switch links (edges; a bundle of cables counts once)
  int nics = 0;          // NIC links
  int nvlinks = 0;
};

struct FailedNetwork {
  Topology topology;  // the links that remain, renumbered densely in their original order
  FailedParts failed;
};

// `topology` without the failed parts. Throws ConfigError naming `origin` and `key` (the option or scenario key
// the names came from) for a name the network does not have, with the closest names it has.
FailedNetwork fail_parts(const Topology& topology, const NetworkFailures& failures, const std::string& origin,
                         const std::string& key);

// Pairs of nodes no path joins any more (any GPU of one to any GPU of the other, each node's GPUs joined by its
// NVLinks), out of all pairs.
struct NodeReachability {
  long long node_pairs = 0;
  long long disconnected_pairs = 0;
};
NodeReachability node_reachability(const Topology& topology);

}  // namespace trainsim::hw
