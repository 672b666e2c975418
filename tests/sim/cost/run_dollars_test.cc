// Dollars by hand: the rental price per GPU-hour, and owned hardware's depreciation, facility rent and
// electricity from a scenario's cluster.capex.
#include "sim/cost/run_dollars.h"

#include <gtest/gtest.h>

#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

const char* kCapex =
    "  capex: {price_per_node: $300k, network_per_gpu: $2500, depreciation_years: 4,\n"
    "          facility_usd_per_kw_month: 150}\n";

// Tolerances: 1e-12 on rates of order 1, 1e-9 on dollars of order 1e3: roundings of a few double products.
TEST(RunDollars, RentalIsThePricePerGpuHour) {
  const Scenario s = parse_scenario(testing::kValidScenario, "s.yaml");
  const DollarRates r = dollar_rates(s.cluster, 8);
  EXPECT_EQ(r.method, DollarsMethod::kRental);
  EXPECT_NEAR(r.usd_per_gpu_hour(), 2.0, 1e-12);  // the catalog's H800 price, DeepSeek-V3's $2
  EXPECT_NEAR(r.cost_usd(1000, 5), 2000, 1e-9);   // energy is in the rent
}

TEST(RunDollars, CapexByHand) {
  const Scenario s = parse_scenario(std::string(testing::kValidScenario) + kCapex, "s.yaml");
  const DollarRates r = dollar_rates(s.cluster, 8);
  EXPECT_EQ(r.method, DollarsMethod::kCapex);
  // ($300k / 8 GPUs + $2,500) / (4 years x 8,760 h) = $40,000 / 35,040 h
  EXPECT_NEAR(r.capital_usd_per_gpu_hour, 40000.0 / 35040.0, 1e-12);  // $1.1416
  // Provisioned per GPU: 700 W TDP + 4,600 W / 8 + 8 switches x 747 W / 32 GPUs = 1,461.75 W;
  // $150 per kW-month x 1.46175 kW / 730 h = $0.30036 per GPU-hour.
  EXPECT_NEAR(r.provisioned_kw_per_gpu, 1.46175, 1e-12);
  EXPECT_NEAR(r.facility_usd_per_gpu_hour, 150 * 1.46175 / 730, 1e-12);
  EXPECT_NEAR(r.electricity_usd_per_mwh, 80, 1e-12);  // the EIA default, $0.080 per kWh
  // 1,000 GPU-hours that used 2 MWh at the facility.
  EXPECT_NEAR(r.cost_usd(1000, 2), 1000 * (40000.0 / 35040 + 150 * 1.46175 / 730) + 2 * 80, 1e-9);
}

}  // namespace
}  // namespace trainsim::sim
