// Rental or capital cost per GPU-hour (see run_dollars.h).
#include "sim/cost/run_dollars.h"

namespace trainsim::sim {

std::string_view dollars_method_name(DollarsMethod method) {
  return method == DollarsMethod::kCapex ? "capex" : "rental";
}

DollarRates dollar_rates(const hw::ClusterSpec& cluster, int switches) {
  DollarRates r;
  if (!cluster.capex.enabled) {
    r.capital_usd_per_gpu_hour = cluster.price_usd_per_gpu_s * 3600.0;
    return r;
  }
  const hw::CapexSpec& c = cluster.capex;
  r.method = DollarsMethod::kCapex;
  r.capital_usd_per_gpu_hour = (c.gpu_usd + c.network_usd_per_gpu) / (c.depreciation_years * kHoursPerYear);
  // The facility provisions each GPU's share of the cluster's peak IT power: the board at TDP, its node's
  // overhead and its share of the switches.
  const double peak_w_per_gpu = cluster.gpu.power_w + cluster.power.node_overhead_w / cluster.gpus_per_node +
                                switches * cluster.power.switch_w / cluster.gpu_count();
  r.provisioned_kw_per_gpu = peak_w_per_gpu / 1000.0;
  r.facility_usd_per_gpu_hour = c.facility_usd_per_kw_month * r.provisioned_kw_per_gpu / kHoursPerMonth;
  r.electricity_usd_per_mwh = c.electricity_usd_per_kwh * 1000.0;
  return r;
}

}  // namespace trainsim::sim
