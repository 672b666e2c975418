// Builder of Slim Fly: routers joined as a McKay-Miller-Siran (MMS) graph of diameter 2, the construction of
// Besta and Hoefler ("Slim Fly: a cost effective low-diameter network topology", SC14, section 3.1, after
// Hafner's description of the MMS graphs). For a prime power q = 4w + d (d in {-1, 0, 1}; d = 0 needs q a
// power of 2) and xi a primitive element of the field F_q, the 2q^2 routers are (0, x, y) and (1, m, c) over
// F_q. (0, x, y) ~ (0, x, y') when y - y' is in X; (1, m, c) ~ (1, m, c') when c - c' is in X';
// (0, x, y) ~ (1, m, c) when y = m x + c. The generator sets:
//   d = 1:  X = {1, xi^2, ..., xi^(q-3)},                       X' = {xi, xi^3, ..., xi^(q-2)}
//   d = 0:  X = {1, xi^2, ..., xi^(q-2)},                       X' = {xi, xi^3, ..., xi^(q-1)}
//   d = -1: X = {1, xi^2, ..., xi^(2w-2), xi^(2w-1), xi^(2w+1), ..., xi^(4w-3)},
//           X' = {xi, xi^3, ..., xi^(2w-1), xi^(2w), xi^(2w+2), ..., xi^(4w-2)}
// Every router then has network radix k' = (3q - d)/2 and p = ceil(k'/2) endpoints (the paper's choice for
// full global bandwidth), k' + p ports in all.
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::hw {

struct SlimFlyShape {
  int q = 0;
  int delta = 0;
  int network_radix = 0;        // k'
  int endpoints_per_router = 0;  // p
  int routers() const { return 2 * q * q; }
};

// The smallest Slim Fly of `radix`-port routers with room for `endpoints` NICs; ConfigError when the
// largest one that fits the radix is too small (64 ports: q = 27, 1,458 routers, 30,618 endpoints).
SlimFlyShape slim_fly_shape(int radix, int endpoints);

// NICs dealt to routers in GPU order, p per router (the last routers may hold fewer or none). Routers are
// leaf switches; group 0 or 1 is their subgraph. Every link optical: Besta and Hoefler lay the routers out in
// racks by subgraph pairs, but which cables stay in a rack depends on a floor plan trainsim does not model.
void build_slim_fly(const TopologyParams& params, TopologyGraph& graph);

}  // namespace trainsim::hw
