// Slim Fly MMS graphs (Besta and Hoefler, SC14): 2q^2 routers, each with network radix k' = (3q - d)/2 for
// q = 4w + d, diameter 2. q = 5 is the Hoffman-Singleton graph (50 vertices, degree 7, 175 edges).
#include "hardware/slim_fly_builder.h"

#include <gtest/gtest.h>

#include "hardware/topology_distances.h"
#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

struct Mms {
  int q, delta;
};

class SlimFlyGraphs : public ::testing::TestWithParam<Mms> {};

TEST_P(SlimFlyGraphs, RegularOfDegreeKPrimeAndDiameterTwo) {
  const auto [q, delta] = GetParam();
  const int k_prime = (3 * q - delta) / 2;
  const int p = (k_prime + 1) / 2;
  const int radix = (k_prime + p + 1) / 2 * 2;  // switch radices are even
  const int endpoints = 2 * q * q * p;          // every router full
  const Topology t = fabric(TopologyKind::kSlimFly, endpoints, radix, 2);
  EXPECT_EQ(t.switch_count(), 2 * q * q);
  EXPECT_EQ(t.link_count(), q * q * k_prime);
  const TopologyGraph& g = t.graph();
  for (auto [it, end] = boost::vertices(g); it != end; ++it) {
    if (g[*it].kind != VertexKind::kLeafSwitch) continue;
    int fabric_links = 0;
    for (auto [e, e_end] = boost::out_edges(*it, g); e != e_end; ++e) fabric_links += g[*e].kind == LinkKind::kFabric;
    ASSERT_EQ(fabric_links, k_prime) << t.vertex_name(*it);
  }
  EXPECT_EQ(topology_distances(t, 2 * q * q).diameter_hops, 2);
}

// q = 3, 7, 11 (d = -1), 4, 8 (d = 0), 5, 9, 13 (d = 1); 9 and 8 need the field of a prime power.
INSTANTIATE_TEST_SUITE_P(PrimePowers, SlimFlyGraphs,
                         ::testing::Values(Mms{3, -1}, Mms{4, 0}, Mms{5, 1}, Mms{7, -1}, Mms{8, 0}, Mms{9, 1},
                                           Mms{11, -1}, Mms{13, 1}));

TEST(SlimFly, HoffmanSingletonGraph) {
  const Topology t = fabric(TopologyKind::kSlimFly, 200, 12);
  EXPECT_EQ(t.switch_count(), 50);
  EXPECT_EQ(t.link_count(), 175);
  EXPECT_EQ(topology_distances(t, 50).path_diversity, 1);  // girth 5: one path between routers 2 apart
}

TEST(SlimFly, ShapeForSixtyFourPorts) {
  // q = 27 (d = -1): k' = 41, p = 21, 62 ports; q = 29 would need 43 + 22 = 65; 28 is no prime power.
  const SlimFlyShape s = slim_fly_shape(64, 30000);
  EXPECT_EQ(s.q, 27);
  EXPECT_EQ(s.network_radix, 41);
  EXPECT_EQ(s.endpoints_per_router, 21);
  EXPECT_THROW(slim_fly_shape(64, 30619), ConfigError);
  EXPECT_EQ(slim_fly_shape(64, 16384).q, 23);  // 2 * 23^2 * 18 = 19,044; q = 19 gives 2 * 361 * 15 = 10,830
}

}  // namespace
}  // namespace trainsim::hw
