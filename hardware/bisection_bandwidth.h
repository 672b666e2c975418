// Bisection bandwidth of a built network by max-flow (Boost.Graph's push_relabel_max_flow, Goldberg and
// Tarjan 1988). The cut: the NICs in GPU order, the first half on one side and the rest on the other (the
// natural halving: first half of the leaves, pods, routers or groups against the rest; the minimum over all
// halvings is NP-hard to find). The flow runs on the switch-level graph: each switch-to-switch edge carries its
// cables' bandwidth each way, and the NICs of a leaf enter as one edge from the source (first half) or to the
// sink (second half) of their summed bandwidth, so a 16K-endpoint fabric has a few thousand vertices, not
// 16K more. NVLink is not in it: in a multi-plane fabric each plane is halved on its own.
#pragma once
#include "hardware/topology.h"

namespace trainsim::hw {

// Bytes per second one half can send the other at once (one direction). A non-blocking fat-tree of E NICs
// at B each gives E/2 * B; oversubscribing its leaves r:1 divides that by r.
double bisection_bandwidth_bytes_per_s(const Topology& topology);

}  // namespace trainsim::hw
