// cluster.capex: the required keys, one hardware price of two, and each error at its line.
#include "sim/scenario/capex_section.h"

#include <gtest/gtest.h>

#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

TEST(CapexSection, ErrorsAreLocated) {
  using testing::error_of;
  const std::string base = testing::kValidScenario;
  EXPECT_NE(error_of(base + "  capex: {network_per_gpu: $1k, depreciation_years: 4, facility_usd_per_kw_month: 1}\n")
                .find("s.yaml:18:10: cluster.capex: no hardware price"),
            std::string::npos);
  EXPECT_NE(error_of(base + "  capex: {price_per_gpu: $30k, price_per_node: $1, network_per_gpu: $1k}\n")
                .find("both price_per_gpu and price_per_node"),
            std::string::npos);
  const std::string missing = error_of(base + "  capex: {price_per_gpu: $30k, network_per_gpu: $1k, facility_usd_per_kw_month: 1}\n");
  EXPECT_NE(missing.find("s.yaml:18"), std::string::npos) << missing;
  EXPECT_NE(missing.find("depreciation_years"), std::string::npos) << missing;
  const std::string range = error_of(base + "  capex: {price_per_gpu: $30k, network_per_gpu: $1k, depreciation_years: 0.1,\n"
                                            "          facility_usd_per_kw_month: 1}\n");
  EXPECT_NE(range.find("cluster.capex.depreciation_years"), std::string::npos) << range;
  EXPECT_NE(range.find("out of range"), std::string::npos) << range;
}

}  // namespace
}  // namespace trainsim::sim
