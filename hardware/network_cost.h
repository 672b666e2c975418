// NetworkCost: what a network's switches and cables cost from unit prices (inputs; defaults below).
//
// Default prices: the ISCA 2025 paper ("Insights into DeepSeek-V3", table 3; ../shared/reference/FACTS.md)
// prices its networks of 64-port 400G switches by the Slim Fly paper's method but prints no unit prices.
// The defaults are fitted so that FT2, MPFT and FT3 reproduce its table at its printed precision (cost 9, 72,
// 491 M$; 4.39, 4.39, 7.5 k$ per endpoint): per endpoint FT2 costs 96/2048 switch + 1 link and FT3
// 5120/65536 switch + 2 links, so 4,385 <= 0.046875 S + L < 4,395 and 7,484.6 <= 0.078125 S + 2 L < 7,499.8
// (491 M$ / 65,536 rounded), which holds for S in [81.3k, 83.5k]; S = 82,000 $ and L = 544 $ give 4,387.75 $
// and 7,494.25 $. An assumption, not a quote: the switch price carries its port optics, the link its fibre.
// The table's cost counts switches and switch-to-switch links only, so NIC cables default to 0 $; copper
// switch links (Dragonfly's local ones) default to the optical price, as the table does not tell them apart.
#pragma once
#include "hardware/topology_inventory.h"

namespace trainsim::hw {

struct NetworkPrices {
  double switch_usd = 82000;        // fitted to ISCA 2025 table 3 (above)
  double optical_link_usd = 544;    // switch-to-switch optical cable with its two transceivers; fitted (above)
  double copper_link_usd = 544;     // switch-to-switch copper cable; assumption: priced as optical (above)
  double endpoint_link_usd = 0;     // NIC-to-leaf cable; 0: not in the table's cost (above)
};

struct NetworkCost {
  double switches_usd = 0;
  double links_usd = 0;           // switch-to-switch cables
  double endpoint_links_usd = 0;  // NIC-to-leaf cables
  double total_usd = 0;
  double per_endpoint_usd = 0;    // total / endpoints; 0 without endpoints
};

NetworkCost price_network(const TopologyInventory& inventory, const NetworkPrices& prices = {});

}  // namespace trainsim::hw
