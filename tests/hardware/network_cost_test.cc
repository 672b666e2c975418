// Network cost against the ISCA 2025 table 3 (../shared/reference/FACTS.md, "ISCA 2025 paper"): 64-port
// 400G switches. The table prints cost in M$ to the unit and per endpoint in k$ to two decimals (FT2, MPFT)
// or one (FT3, Slim Fly, Dragonfly); FT2, MPFT and FT3 must match at that precision, counts exactly.
#include "hardware/network_cost.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

struct TableRow {
  int endpoints, switches, links;
  double cost_musd;           // as printed: whole M$
  double per_endpoint_kusd;   // as printed
  int per_endpoint_decimals;  // printed decimals of k$
};

void expect_row(const Topology& t, const TableRow& row) {
  const TopologyInventory inv = take_inventory(t);
  EXPECT_EQ(inv.endpoints, row.endpoints);
  EXPECT_EQ(inv.switches, row.switches);
  EXPECT_EQ(inv.links, row.links);
  const NetworkCost cost = price_network(inv);
  EXPECT_EQ(std::round(cost.total_usd / 1e6), row.cost_musd) << cost.total_usd;
  const double scale = std::pow(10.0, row.per_endpoint_decimals);
  EXPECT_EQ(std::round(cost.per_endpoint_usd / 1e3 * scale), std::round(row.per_endpoint_kusd * scale))
      << cost.per_endpoint_usd;
}

TEST(NetworkCost, TwoLayerFatTreeMatchesIscaTable) {
  expect_row(fabric(TopologyKind::kFatTree, 2048), {2048, 96, 2048, 9, 4.39, 2});
}

TEST(NetworkCost, MultiPlaneFatTreeMatchesIscaTable) {
  expect_row(fabric(TopologyKind::kMultiPlaneFatTree, 16384), {16384, 768, 16384, 72, 4.39, 2});
}

TEST(NetworkCost, ThreeLayerFatTreeMatchesIscaTable) {
  expect_row(fabric(TopologyKind::kThreeLayerFatTree, 65536), {65536, 5120, 131072, 491, 7.5, 1});
}

TEST(NetworkCost, SlimFlyIsTheCanonicalOneBelowTheTable) {
  // The table's Slim Fly (1,568 routers, 32,928 endpoints) is q = 28, not a prime power: no MMS graph. The
  // largest of 64-port routers is q = 27: 2 * 27^2 = 1,458 routers of k' = (3*27 + 1)/2 = 41 links and p = 21
  // endpoints, 29,889 links. Its cost per endpoint still rounds to the table's 4.4 k$.
  const Topology t = fabric(TopologyKind::kSlimFly, 30618, 64, 2);
  const TopologyInventory inv = take_inventory(t);
  EXPECT_EQ(inv.switches, 1458);
  EXPECT_EQ(inv.endpoints, 30618);
  EXPECT_EQ(inv.links, 1458 * 41 / 2);
  EXPECT_EQ(std::round(price_network(inv).per_endpoint_usd / 100), 44);
}

TEST(NetworkCost, DragonflyCountsMatchTableCostWithinTwoPercent) {
  // 511 groups of 32 routers (h = 16, p = 16): the table's counts exactly (dragonfly_builder.h).
  const TopologyInventory inv = take_inventory(fabric(TopologyKind::kDragonfly, 261632));
  EXPECT_EQ(inv.endpoints, 261632);
  EXPECT_EQ(inv.switches, 16352);
  EXPECT_EQ(inv.links, 384272);
  EXPECT_EQ(inv.copper_links, 511 * 32 * 31 / 2);  // local: all-to-all in each group
  EXPECT_EQ(inv.optical_links, 16352 * 16 / 2);   // global: every port of h = 16 per router
  // One price per link cannot also give the table's 1,522 M$ (prices fitted on FT2 and FT3 give
  // 16,352 * 82,000 + 384,272 * 544 = 1,549.9 M$, +1.8%): the paper's cable prices by length are not
  // printed. 2% holds that difference and no more.
  EXPECT_NEAR(price_network(inv).total_usd, 1522e6, 0.02 * 1522e6);
}

TEST(NetworkCost, PricesAreInputs) {
  TopologyInventory inv;
  inv.endpoints = 10;
  inv.switches = 2;
  inv.optical_links = 3;
  inv.copper_links = 4;
  inv.links = 7;
  inv.endpoint_links = 10;
  const NetworkCost c = price_network(inv, {1000, 100, 10, 1});
  EXPECT_DOUBLE_EQ(c.total_usd, 2 * 1000 + 3 * 100 + 4 * 10 + 10 * 1);
  EXPECT_DOUBLE_EQ(c.per_endpoint_usd, c.total_usd / 10);
}

}  // namespace
}  // namespace trainsim::hw
