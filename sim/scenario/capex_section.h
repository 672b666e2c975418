// The scenario's `cluster.capex:` section (hw::CapexSpec): the run priced as owned hardware. Required: the
// hardware's price, `price_per_gpu` or `price_per_node` (one of them, each with its node's share of
// everything but the scale-out network), `network_per_gpu` (the scale-out network's price per endpoint),
// `depreciation_years`, `facility_usd_per_kw_month`; optional `electricity_usd_per_kwh` (default the US
// industrial average). Each bad or missing value is a located ConfigError.
#pragma once
#include "core/yaml_reader.h"
#include "hardware/cluster_spec.h"

namespace trainsim::sim {

// Reads `node` (the value of cluster.capex) into cluster.capex; gpus_per_node is read first.
void read_capex(const ConfigNode& node, hw::ClusterSpec& cluster);

}  // namespace trainsim::sim
