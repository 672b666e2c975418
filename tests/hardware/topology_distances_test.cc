// Diameter and path diversity against the constructions' known figures: a two-layer fat-tree joins two
// leaves over each spine (2 hops, one path per spine cable); the k-ary three-layer fat-tree over (k/2)^2 cores
// (4 hops; Al-Fares et al. 2008); Slim Fly has diameter 2 (its point, Besta and Hoefler 2014) and girth 5 for
// q = 5 (the Hoffman-Singleton graph: one path between two routers at distance 2); a Dragonfly's minimal
// route is local, global, local (3 hops; Kim et al. 2008).
#include "hardware/topology_distances.h"

#include <gtest/gtest.h>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

TEST(TopologyDistances, TwoLayerFatTree) {
  const TopologyDistances d = topology_distances(fabric(TopologyKind::kFatTree, 2048));
  EXPECT_EQ(d.diameter_hops, 2);
  EXPECT_EQ(d.path_diversity, 32);  // 32 spines, one cable from each leaf
  EXPECT_TRUE(d.exact);
}

TEST(TopologyDistances, ThreeLayerFatTree) {
  const TopologyDistances d = topology_distances(fabric(TopologyKind::kThreeLayerFatTree, 65536));
  EXPECT_EQ(d.diameter_hops, 4);
  EXPECT_EQ(d.path_diversity, 32 * 32);
  EXPECT_FALSE(d.exact);  // 2,048 leaves, 128 searched
}

TEST(TopologyDistances, SlimFlyAndDragonfly) {
  const TopologyDistances sf = topology_distances(fabric(TopologyKind::kSlimFly, 200, 12));  // q = 5
  EXPECT_EQ(sf.diameter_hops, 2);
  EXPECT_EQ(sf.path_diversity, 1);
  EXPECT_EQ(topology_distances(fabric(TopologyKind::kDragonfly, 72, 8, 4)).diameter_hops, 3);
}

TEST(TopologyDistances, OneLeafHasNoHops) {
  const TopologyDistances d = topology_distances(fabric(TopologyKind::kFatTree, 16));
  EXPECT_EQ(d.diameter_hops, 0);
}

}  // namespace
}  // namespace trainsim::hw
