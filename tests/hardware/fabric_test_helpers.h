// Test helper: a network of a kind and size, as `trainsim topology` asks for it (hardware/fabric_params.h).
#pragma once
#include "core/error.h"
#include "hardware/fabric_params.h"

namespace trainsim::hw::testing {

inline Topology fabric(TopologyKind kind, int endpoints, int radix = 64, int nics_per_node = 8,
                       int oversubscription = 1) {
  FabricRequest r;
  r.kind = kind;
  r.endpoints = endpoints;
  r.switch_radix = radix;
  r.nics_per_node = nics_per_node;
  r.oversubscription = oversubscription;
  return build_topology(kind, fabric_params(r));
}

// 400 Gb/s in bytes per second: every NIC and cable of fabric() (FabricRequest's default).
constexpr double kLinkBytesPerS = 400e9 / 8;

}  // namespace trainsim::hw::testing
