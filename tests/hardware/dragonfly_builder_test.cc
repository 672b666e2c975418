// The canonical Dragonfly (Kim et al., ISCA 2008): a = 2p = 2h routers per group joined all-to-all, one global
// link between every pair of groups at full size (a h + 1 groups), consecutive arrangement.
#include "hardware/dragonfly_builder.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

// Global links between each pair of groups, and per router.
struct Globals {
  std::map<std::pair<int, int>, int> between;
  std::map<TopologyVertexId, int> per_router;
};

Globals globals(const Topology& t) {
  Globals out;
  const TopologyGraph& g = t.graph();
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    if (g[*it].kind != LinkKind::kFabric) continue;
    const auto s = boost::source(*it, g);
    const auto d = boost::target(*it, g);
    if (g[s].group == g[d].group) continue;
    ++out.between[{std::min(g[s].group, g[d].group), std::max(g[s].group, g[d].group)}];
    ++out.per_router[s];
    ++out.per_router[d];
  }
  return out;
}

TEST(Dragonfly, FullSizeJoinsEveryGroupPairOnce) {
  // 8 ports: h = 2, a = 4, p = 2; a h + 1 = 9 groups.
  const Topology t = fabric(TopologyKind::kDragonfly, 72, 8, 4);
  EXPECT_EQ(t.switch_count(), 36);
  const Globals gl = globals(t);
  EXPECT_EQ(gl.between.size(), 9u * 8 / 2);
  for (const auto& [pair, links] : gl.between) EXPECT_EQ(links, 1) << pair.first << "-" << pair.second;
  for (const auto& [router, links] : gl.per_router) EXPECT_EQ(links, 2);
  // Router 0 of group 0 holds port 0, to group 1, whose port 0 (toward group 0) is on its router 0: one hop.
  EXPECT_EQ(t.route(0, 8).size(), 3u);  // NIC up, global, NIC down
  EXPECT_EQ(t.link_name(t.route(0, 8)[1].link), "leaf0-leaf4");
}

TEST(Dragonfly, SparePortsOfFewerGroupsBecomeExtraGlobalLinks) {
  // 3 groups of 8-port routers: 8 global ports per group, 2 to the other groups; spares 2i -> 2i+1 of group
  // g + i + 1 for i = 0, 1 (i = 2 would loop to g itself): 3 * 2 more links, 9 in all, 3 per group pair.
  const Topology t = fabric(TopologyKind::kDragonfly, 24, 8, 4);
  const Globals gl = globals(t);
  int total = 0;
  for (const auto& [pair, links] : gl.between) total += links;
  EXPECT_EQ(total, 9);
  for (const auto& [pair, links] : gl.between) EXPECT_EQ(links, 3);
  for (const auto& [router, links] : gl.per_router) EXPECT_LE(links, 2);  // h ports each
}

TEST(Dragonfly, ShapeForSixtyFourPorts) {
  const DragonflyShape s = dragonfly_shape(64, 261632);
  EXPECT_EQ(s.h, 16);
  EXPECT_EQ(s.a, 32);
  EXPECT_EQ(s.p, 16);
  EXPECT_EQ(s.groups, 511);
  EXPECT_THROW(dragonfly_shape(64, 513 * 512 + 1), ConfigError);
}

}  // namespace
}  // namespace trainsim::hw
