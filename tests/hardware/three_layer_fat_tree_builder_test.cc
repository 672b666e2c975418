// The three-layer fat-tree against the k-ary fat-tree of Al-Fares et al. (SIGCOMM 2008): k^3/4 hosts,
// 5k^2/4 switches (k^2/2 edge, k^2/2 aggregation, k^2/4 core), k^3/4 links per layer pair.
#include "hardware/three_layer_fat_tree_builder.h"

#include <gtest/gtest.h>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

int count(const Topology& t, VertexKind kind) {
  int n = 0;
  for (auto [it, end] = boost::vertices(t.graph()); it != end; ++it) n += t.graph()[*it].kind == kind;
  return n;
}

TEST(ThreeLayerFatTree, KAryFatTree) {
  for (int k : {4, 8, 64}) {
    const Topology t = fabric(TopologyKind::kThreeLayerFatTree, k * k * k / 4, k, 2);
    EXPECT_EQ(t.endpoint_count(), k * k * k / 4);
    EXPECT_EQ(count(t, VertexKind::kLeafSwitch), k * k / 2);
    EXPECT_EQ(count(t, VertexKind::kSpineSwitch), k * k / 2);
    EXPECT_EQ(count(t, VertexKind::kCoreSwitch), k * k / 4);
    EXPECT_EQ(t.link_count(), k * k * k / 2);
  }
}

TEST(ThreeLayerFatTree, FewerEndpointsFillFewerPods) {
  // 16,384 NICs on 64 ports: 512 leaves in 16 pods of 32; 32 spines per pod; core group j takes spine j of
  // each pod, 16 spines * 32 uplinks / 64 ports = 8 cores, 4 cables from each spine to each.
  const Topology t = fabric(TopologyKind::kThreeLayerFatTree, 16384);
  EXPECT_EQ(count(t, VertexKind::kLeafSwitch), 512);
  EXPECT_EQ(count(t, VertexKind::kSpineSwitch), 16 * 32);
  EXPECT_EQ(count(t, VertexKind::kCoreSwitch), 32 * 8);
  EXPECT_EQ(t.link_count(), 16384 + 16384);
}

TEST(ThreeLayerFatTree, RouteCrossesTheCoreBetweenPods) {
  // k = 4: 16 NICs, 2 per leaf, 2 leaves per pod. GPU 0 (pod 0) to GPU 15 (pod 3): leaf, spine, core, spine, leaf.
  const Topology t = fabric(TopologyKind::kThreeLayerFatTree, 16, 4, 2);
  const auto hops = t.route(0, 15);
  ASSERT_EQ(hops.size(), 6u);
  EXPECT_TRUE(hops[0].up && hops[1].up && hops[2].up);
  EXPECT_FALSE(hops[3].up || hops[4].up || hops[5].up);
  EXPECT_NE(t.link_name(hops[2].link).find("core"), std::string::npos) << t.link_name(hops[2].link);
}

TEST(ThreeLayerFatTree, RefusesMorePodsThanPorts) {
  EXPECT_THROW(fabric(TopologyKind::kThreeLayerFatTree, 16 * 4 + 2, 4, 2), ConfigError);  // k = 4: at most 16
}

}  // namespace
}  // namespace trainsim::hw
