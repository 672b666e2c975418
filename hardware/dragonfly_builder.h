// Builder of the canonical Dragonfly (Kim, Dally, Scott and Abts, "Technology-driven, highly-scalable
// dragonfly topology", ISCA 2008): groups of a routers joined all-to-all by local links, each router with p
// endpoints and h global links to other groups. The balanced shape a = 2p = 2h (their section 3.1) from the
// radix: h = floor((radix + 1) / 4), so a router uses p + (a - 1) + h = 4h - 1 ports (64 ports: h = 16,
// a = 32, p = 16, 63 ports), and at most a h + 1 groups.
//
// Global links, the "consecutive" arrangement (named by Camarero, Vallejo and Beivide, "Topological
// characterization of Hamming and dragonfly networks and its implications on routing", ACM TACO 2014): group G
// numbers its a h global ports j = 0, 1, ... (router j / h of the group holds port j), and port j links to
// group j if j < G, else j + 1; so one link joins every pair of groups. With fewer than a h + 1 groups, the
// a h - (g - 1) spare ports of each group are wired too, spare 2i of group G to spare 2i + 1 of group G + i + 1
// (mod g), so that every global port holds a cable as the ISCA 2025 table counts them (511 groups of 32:
// 16,352 routers and 384,272 links, its Dragonfly exactly); a spare that would loop to its own group stays
// empty. Local links are copper (a group is a cabinet in Kim et al.), global ones optical.
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::hw {

struct DragonflyShape {
  int h = 0;  // global links per router
  int a = 0;  // routers per group
  int p = 0;  // endpoints per router
  int groups = 0;
  int routers() const { return a * groups; }
};

// The fewest groups of the balanced shape of `radix` ports that hold `endpoints`; ConfigError beyond a h + 1.
DragonflyShape dragonfly_shape(int radix, int endpoints);

// NICs dealt to routers in GPU order, p per router. Routers are leaf switches; group is their Dragonfly group.
void build_dragonfly(const TopologyParams& params, TopologyGraph& graph);

}  // namespace trainsim::hw
