// The topology report's JSON carries the fields `trainsim topology --json` promises, with the analysis's
// values (FT2 of 64-port switches: the ISCA 2025 table's 2,048 / 96 / 2,048; bisection half of 2,048 NICs at
// 50 GB/s), and a refused kind as kind and error.
#include "reports/topology_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hardware/fabric_params.h"

namespace trainsim::reports {
namespace {

TEST(TopologyReport, JsonFieldsPerKind) {
  hw::FabricRequest r;
  r.kind = hw::TopologyKind::kFatTree;
  r.endpoints = 2048;
  const hw::Topology t = hw::build_topology(r.kind, hw::fabric_params(r));
  std::vector<TopologyEntry> entries{{r.kind, hw::analyse_topology(t, 64, r.link_bytes_per_s), {}},
                                     {hw::TopologyKind::kSlimFly, std::nullopt, "too many NICs"}};
  const nlohmann::json j = nlohmann::json::parse(format_topology_json(entries));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["kind"], "ft2");
  EXPECT_EQ(j[0]["endpoints"], 2048);
  EXPECT_EQ(j[0]["switches"], 96);
  EXPECT_EQ(j[0]["links"], 2048);
  EXPECT_DOUBLE_EQ(j[0]["cost_usd"].get<double>(), j[0]["cost_per_endpoint_usd"].get<double>() * 2048);
  EXPECT_DOUBLE_EQ(j[0]["bisection_bytes_per_s"].get<double>(), 1024 * 50e9);
  EXPECT_EQ(j[0]["diameter"], 2);
  EXPECT_EQ(j[1]["kind"], "slimfly");
  EXPECT_EQ(j[1]["error"], "too many NICs");
  const std::string table = format_topology_comparison(entries, 2048, 64);
  EXPECT_NE(table.find("slimfly: too many NICs"), std::string::npos) << table;
}

}  // namespace
}  // namespace trainsim::reports
