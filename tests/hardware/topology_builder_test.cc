// Properties every builder's graph must have, at a small and a medium size: connected (NVLink included: MPFT
// planes meet inside the nodes), no switch with more cables than ports, every NIC on exactly one leaf. Sizes
// per kind: the smallest radix that builds each kind and the ISCA 2025 radix of 64 at 2,048 NICs.
#include "hardware/topology_builder.h"

#include <gtest/gtest.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/connected_components.hpp>
#pragma GCC diagnostic pop

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

struct Case {
  TopologyKind kind;
  int endpoints, radix, nics_per_node;
};

class EveryBuilder : public ::testing::TestWithParam<Case> {};

TEST_P(EveryBuilder, ConnectedDegreeBoundedOneLeafPerNic) {
  const Case c = GetParam();
  const Topology t = fabric(c.kind, c.endpoints, c.radix, c.nics_per_node);
  const TopologyGraph& g = t.graph();
  std::vector<int> component(boost::num_vertices(g));
  EXPECT_EQ(boost::connected_components(g, component.data()), 1);
  for (auto [it, end] = boost::vertices(g); it != end; ++it) {
    const VertexKind k = g[*it].kind;
    int cables = 0, nics = 0;
    for (auto [e, e_end] = boost::out_edges(*it, g); e != e_end; ++e) {
      cables += g[*e].kind == LinkKind::kNvLink ? 0 : g[*e].cables;
      nics += g[*e].kind == LinkKind::kNic;
    }
    if (k == VertexKind::kLeafSwitch || k == VertexKind::kSpineSwitch || k == VertexKind::kCoreSwitch) {
      EXPECT_LE(cables, c.radix) << t.vertex_name(*it);
    }
    if (k == VertexKind::kGpu) {
      EXPECT_LE(nics, 1) << t.vertex_name(*it);
    }
  }
  EXPECT_EQ(t.endpoint_count(), c.endpoints);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, EveryBuilder,
    ::testing::Values(Case{TopologyKind::kFatTree, 32, 8, 4}, Case{TopologyKind::kFatTree, 2048, 64, 8},
                      Case{TopologyKind::kMultiPlaneFatTree, 32, 8, 4}, Case{TopologyKind::kMultiPlaneFatTree, 2048, 64, 8},
                      Case{TopologyKind::kRailOptimized, 32, 8, 4}, Case{TopologyKind::kRailOptimized, 2048, 64, 8},
                      Case{TopologyKind::kRailOptimized, 128, 8, 4},  // three layers: 32 leaves > 8 ports
                      Case{TopologyKind::kThreeLayerFatTree, 16, 4, 2}, Case{TopologyKind::kThreeLayerFatTree, 2048, 64, 8},
                      Case{TopologyKind::kSlimFly, 48, 8, 4}, Case{TopologyKind::kSlimFly, 2048, 64, 8},
                      Case{TopologyKind::kDragonfly, 72, 8, 4}, Case{TopologyKind::kDragonfly, 2048, 64, 8}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      return std::string(topology_abbreviation(param_info.param.kind)) + "_" + std::to_string(param_info.param.endpoints);
    });

TEST(TopologyBuilder, RefusesOversubscriptionThatSplitsNoPorts) {
  EXPECT_THROW(fabric(TopologyKind::kFatTree, 2048, 64, 8, 2), ConfigError);  // 64 / 3 ports up
  EXPECT_THROW(fabric(TopologyKind::kSlimFly, 48, 8, 4, 3), ConfigError);     // no leaf layer
}

}  // namespace
}  // namespace trainsim::hw
