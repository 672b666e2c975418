// TopologyInventory: what a built network is made of, for pricing it (hardware/network_cost.h). Counting
// convention of the ISCA 2025 table (Slim Fly cost method): endpoints are NICs on the scale-out network,
// switches the scale-out switches (not NVSwitches), links the switch-to-switch cables. Length classes:
// a NIC-to-leaf cable is copper (in the rack); a switch-to-switch cable is optical (a fibre and two
// transceivers) unless its builder lays it in one cabinet (Dragonfly's local links, copper).
#pragma once
#include "hardware/topology.h"

namespace trainsim::hw {

struct TopologyInventory {
  int endpoints = 0;
  int switches = 0;
  int planes = 0;
  int links = 0;           // switch-to-switch cables: copper_links + optical_links
  int copper_links = 0;    // switch-to-switch copper cables
  int optical_links = 0;   // switch-to-switch optical cables
  int endpoint_links = 0;  // NIC-to-leaf cables (copper), not in `links`
  int transceivers() const { return 2 * optical_links; }
};

TopologyInventory take_inventory(const Topology& topology);

}  // namespace trainsim::hw
