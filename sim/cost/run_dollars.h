// A run's dollars, one of two ways: rented, GPU-hours x the price per GPU-hour (cluster.price_per_gpu_hour,
// the default); or owned (cluster.capex): GPU-hours x (the hardware's straight-line depreciation + the
// facility's rent for the power it provisions) per GPU-hour, plus the facility energy x the electricity price.
#pragma once
#include <string_view>

#include "hardware/cluster_spec.h"

namespace trainsim::sim {

enum class DollarsMethod { kRental, kCapex };
std::string_view dollars_method_name(DollarsMethod method);  // "rental", "capex"

// A year of 365 days; a month a twelfth of it (730 h).
inline constexpr double kHoursPerYear = 365.0 * 24.0;
inline constexpr double kHoursPerMonth = kHoursPerYear / 12.0;

struct DollarRates {
  DollarsMethod method = DollarsMethod::kRental;
  double capital_usd_per_gpu_hour = 0;   // rental: the rental price
  double facility_usd_per_gpu_hour = 0;  // capex only
  double electricity_usd_per_mwh = 0;    // capex only: of facility energy
  double provisioned_kw_per_gpu = 0;     // capex only: TDP, node overhead and switches per GPU
  double usd_per_gpu_hour() const { return capital_usd_per_gpu_hour + facility_usd_per_gpu_hour; }
  // The dollars of `gpu_hours` that used `facility_mwh`.
  double cost_usd(double gpu_hours, double facility_mwh) const {
    return gpu_hours * usd_per_gpu_hour() + facility_mwh * electricity_usd_per_mwh;
  }
};

// The rates of the cluster's way of paying; `switches` are its scale-out switches (their power is provisioned).
DollarRates dollar_rates(const hw::ClusterSpec& cluster, int switches);

}  // namespace trainsim::sim
