// The rail-optimized fat-tree (DGX SuperPOD): a scalable unit of radix/2 nodes has one leaf per rail holding NIC
// k of each of its nodes, and spines shared by all rails; traffic between rails stays in the fabric.
#include "hardware/rail_optimized_builder.h"

#include <gtest/gtest.h>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

std::vector<std::string> names(const Topology& t, const std::vector<RouteHop>& hops) {
  std::vector<std::string> out;
  for (const RouteHop& h : hops) out.push_back(t.link_name(h.link) + (h.up ? "^" : "v"));
  return out;
}

TEST(RailOptimizedFatTree, ScalableUnitsOfRailLeavesUnderSharedSpines) {
  // 256 nodes of 8 NICs on 64 ports: 8 SUs of 32 nodes, 8 rail leaves each (64 leaves), 32 spines: the FT2
  // counts of the ISCA table, wired by rail.
  const Topology t = fabric(TopologyKind::kRailOptimized, 2048);
  EXPECT_EQ(t.switch_count(), 96);
  EXPECT_EQ(t.link_count(), 2048);
  EXPECT_EQ(t.planes(), 1);
}

TEST(RailOptimizedFatTree, SameRailOneLeafOtherRailOverASpine) {
  // 8 ports: 4 down, so SUs of 4 nodes; 4 NICs per node: leaves 0-3 are rails 0-3 of SU 0, 4-7 of SU 1.
  const Topology t = fabric(TopologyKind::kRailOptimized, 32, 8, 4);
  EXPECT_EQ(names(t, t.route(0, 4)), (std::vector<std::string>{"gpu0-nic^", "gpu4-nicv"}));  // node 1, rail 0
  const auto cross = names(t, t.route(0, 5));  // node 1, rail 1: leaf 0 -> spine -> leaf 1, no NVLink
  ASSERT_EQ(cross.size(), 4u);
  EXPECT_EQ(cross.front(), "gpu0-nic^");
  EXPECT_EQ(cross[1].substr(0, 6), "leaf0-");
  EXPECT_EQ(cross[2].substr(0, 6), "leaf1-");
  EXPECT_EQ(cross.back(), "gpu5-nicv");
}

TEST(RailOptimizedFatTree, ThreeLayersBeyondOneSpineLayer) {
  // 16,384 NICs: 512 rail leaves, more than 64 ports can join: the FT3 layers above them.
  const Topology t = fabric(TopologyKind::kRailOptimized, 16384);
  EXPECT_EQ(t.switch_count(), 512 + 512 + 256);
}

}  // namespace
}  // namespace trainsim::hw
