// cluster.capex: the owner's figures, required where no public source gives a default.
#include "sim/scenario/capex_section.h"

#include <string>
#include <vector>

#include "core/input_ranges.h"

namespace trainsim::sim {

void read_capex(const ConfigNode& node, hw::ClusterSpec& cluster) {
  node.require_map();
  node.allow_only(std::vector<std::string>{"price_per_gpu", "price_per_node", "network_per_gpu", "depreciation_years",
                                           "facility_usd_per_kw_month", "electricity_usd_per_kwh"});
  hw::CapexSpec& c = cluster.capex;
  c.enabled = true;
  const auto per_gpu = node.get("price_per_gpu");
  const auto per_node = node.get("price_per_node");
  if (per_gpu && per_node)
    per_node->fail("both price_per_gpu and price_per_node", "one of them",
                   "price_per_node is divided among the node's GPUs; give the one you know");
  if (!per_gpu && !per_node)
    node.fail("no hardware price", "price_per_gpu or price_per_node (such as price_per_node: $300k)",
              "there is no public default: a GPU's price varies with the buyer and the year");
  c.gpu_usd = per_gpu ? per_gpu->as_quantity(ranges::kHardwarePrice)
                      : per_node->as_quantity(ranges::kHardwarePrice) / cluster.gpus_per_node;
  c.network_usd_per_gpu = node.require("network_per_gpu").as_quantity(ranges::kHardwarePrice);
  c.depreciation_years = node.require("depreciation_years").as_quantity(ranges::kDepreciationYears);
  c.facility_usd_per_kw_month = node.require("facility_usd_per_kw_month").as_quantity(ranges::kFacilityUsdPerKwMonth);
  c.electricity_usd_per_kwh = node.quantity_or("electricity_usd_per_kwh", ranges::kElectricityUsdPerKwh, c.electricity_usd_per_kwh);
}

}  // namespace trainsim::sim
