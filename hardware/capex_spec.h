// CapexSpec: owned hardware priced as its depreciation plus facility and electricity (cluster.capex), instead
// of a rental price per GPU-hour. Only the electricity price has a default (docs/sources.md#energy); the
// others are the owner's own figures and required.
#pragma once

namespace trainsim::hw {

// US Energy Information Administration, Electric Power Monthly table 5.6.A: average price to the industrial
// sector, 2023, about 8.0 cents per kWh.
inline constexpr double kUsIndustrialUsdPerKwh = 0.080;

struct CapexSpec {
  bool enabled = false;               // false: the run is priced at cluster.price_per_gpu_hour
  double gpu_usd = 0;                 // per GPU, its node's share included (price_per_node / gpus_per_node)
  double network_usd_per_gpu = 0;     // per endpoint: NICs, switches and cables shared out per GPU
  double depreciation_years = 0;      // straight-line, to zero
  double facility_usd_per_kw_month = 0;  // space, power and cooling capacity per kW of IT load provisioned
  double electricity_usd_per_kwh = kUsIndustrialUsdPerKwh;  // per kWh of facility energy (PUE included)
};

}  // namespace trainsim::hw
