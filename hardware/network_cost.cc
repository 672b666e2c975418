// Pricing a network (see network_cost.h).
#include "hardware/network_cost.h"

namespace trainsim::hw {

NetworkCost price_network(const TopologyInventory& inv, const NetworkPrices& prices) {
  NetworkCost c;
  c.switches_usd = inv.switches * prices.switch_usd;
  c.links_usd = inv.optical_links * prices.optical_link_usd + inv.copper_links * prices.copper_link_usd;
  c.endpoint_links_usd = inv.endpoint_links * prices.endpoint_link_usd;
  c.total_usd = c.switches_usd + c.links_usd + c.endpoint_links_usd;
  c.per_endpoint_usd = inv.endpoints > 0 ? c.total_usd / inv.endpoints : 0;
  return c;
}

}  // namespace trainsim::hw
