// FabricRequest: a network asked for by its size rather than by a scenario's cluster (`trainsim topology`):
// kind, switch radix, NIC count, link speed and oversubscription, turned into builder parameters.
#pragma once
#include "hardware/topology_builder.h"

namespace trainsim::hw {

struct FabricRequest {
  TopologyKind kind = TopologyKind::kMultiPlaneFatTree;
  int switch_radix = 64;
  int endpoints = 16384;                  // NICs on the scale-out network
  int nics_per_node = 8;                  // one GPU per NIC (H800 nodes: 8 GPUs, 8 NICs)
  double link_bytes_per_s = 400e9 / 8;    // 400 Gb/s, the ISCA 2025 table's switches
  int oversubscription = 1;               // leaf down:up ports
};

// ConfigError (field "endpoints") unless endpoints is a positive multiple of nics_per_node.
TopologyParams fabric_params(const FabricRequest& request);

}  // namespace trainsim::hw
