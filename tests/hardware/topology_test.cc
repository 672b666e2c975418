// Topology builders against the ISCA 2025 table (64-port switches; docs/sources.md#topologies) and the
// routing rule of topology.cc.
#include "hardware/topology.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "hardware/topology_builder.h"

namespace trainsim::hw {
namespace {

TopologyParams params(int nodes, int radix = 64) {
  TopologyParams p;
  p.nodes = nodes;
  p.switch_radix = radix;
  return p;
}

TEST(Topology, TwoLayerFatTreeMatchesIscaTable) {
  const Topology t = build_topology(TopologyKind::kFatTree, params(256));
  EXPECT_EQ(t.endpoint_count(), 2048);
  EXPECT_EQ(t.switch_count(), 96);
  EXPECT_EQ(t.link_count(), 2048);
  EXPECT_EQ(t.planes(), 1);
}

TEST(Topology, MultiPlaneFatTreeMatchesIscaTable) {
  const Topology t = build_topology(TopologyKind::kMultiPlaneFatTree, params(2048));
  EXPECT_EQ(t.endpoint_count(), 16384);
  EXPECT_EQ(t.switch_count(), 768);
  EXPECT_EQ(t.link_count(), 16384);
  EXPECT_EQ(t.planes(), 8);
}

TEST(Topology, DeepSeekClusterPlanesAreSmallFatTrees) {
  // 2048 GPUs on 256 nodes: each plane has 256 NICs, 8 leaves and 4 spines with 8 cables per leaf-spine pair.
  const Topology t = build_topology(TopologyKind::kMultiPlaneFatTree, params(256));
  EXPECT_EQ(t.endpoint_count(), 2048);
  EXPECT_EQ(t.switch_count(), 8 * (8 + 4));
  EXPECT_EQ(t.link_count(), 8 * 8 * 32);
}

TEST(Topology, SmallPlaneNeedsNoSpine) {
  const Topology t = build_topology(TopologyKind::kMultiPlaneFatTree, params(8));
  EXPECT_EQ(t.switch_count(), 8);
  EXPECT_EQ(t.link_count(), 0);
}

TEST(Topology, RejectsTooManyEndpointsPerPlane) {
  try {
    build_topology(TopologyKind::kFatTree, params(257));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("2056 NICs on a plane of 64-port switches"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at most 2048"), std::string::npos) << e.what();
  }
}

TEST(Topology, EveryKindHasABuilder) {
  for (TopologyKind kind : all_topology_kinds()) EXPECT_GT(build_topology(kind, params(2, 16)).switch_count(), 0);
}

TEST(Topology, RejectsOddRadix) {
  EXPECT_THROW(build_topology(TopologyKind::kFatTree, params(2, 63)), ConfigError);
}

std::vector<std::string> names(const Topology& t, const std::vector<RouteHop>& hops) {
  std::vector<std::string> out;
  for (const RouteHop& h : hops) out.push_back(t.link_name(h.link) + (h.up ? "^" : "v"));
  return out;
}

TEST(Topology, IntraNodeRouteCrossesNvSwitch) {
  const Topology t = build_topology(TopologyKind::kFatTree, params(2));
  EXPECT_EQ(names(t, t.route(1, 5)), (std::vector<std::string>{"gpu1-nvlink^", "gpu5-nvlinkv"}));
  EXPECT_TRUE(t.route(3, 3).empty());
}

TEST(Topology, FatTreeRouteGoesUpToSpineByDestination) {
  // 64-port switches: 32 GPUs (4 nodes) per leaf. GPU 0 -> GPU 32 + 5 crosses spine (37 mod spines).
  const Topology t = build_topology(TopologyKind::kFatTree, params(16));  // 128 GPUs: 4 leaves, 2 spines
  EXPECT_EQ(names(t, t.route(0, 37)),
            (std::vector<std::string>{"gpu0-nic^", "leaf0-spine1^", "leaf1-spine1v", "gpu37-nicv"}));
  EXPECT_EQ(names(t, t.route(0, 9)), (std::vector<std::string>{"gpu0-nic^", "gpu9-nicv"}));
}

TEST(Topology, MultiPlaneCrossPlaneRouteUsesSameIndexGpuThenNvLink) {
  // DeepSeek-V3 dispatch path: IB to the GPU of the same index on the target node, then NVLink.
  const Topology t = build_topology(TopologyKind::kMultiPlaneFatTree, params(8));
  EXPECT_EQ(names(t, t.route(2, 8 * 3 + 2)), (std::vector<std::string>{"gpu2-nic^", "gpu26-nicv"}));
  EXPECT_EQ(names(t, t.route(2, 8 * 3 + 6)),
            (std::vector<std::string>{"gpu2-nic^", "gpu26-nicv", "gpu26-nvlink^", "gpu30-nvlinkv"}));
}

TEST(Topology, LinkBandwidthCountsCables) {
  const Topology t = build_topology(TopologyKind::kMultiPlaneFatTree, params(256));
  const auto hops = t.route(0, 8 * 200);  // leaf 0 -> leaf 6 of plane 0, over a spine
  ASSERT_EQ(hops.size(), 4u);
  EXPECT_EQ(t.edge(hops[1].link).cables, 8);
  EXPECT_DOUBLE_EQ(t.link_bandwidth_bytes_per_s(hops[1].link), 8 * 50e9);
}

TEST(Topology, GpusSharingANicSendOnItsOneLink) {
  // 4 NICs for 8 GPUs: GPU 6 shares NIC 2 with GPU 2; 2 nodes give 8 endpoints, not 16, on one leaf.
  TopologyParams p = params(2);
  p.nics_per_node = 4;
  const Topology t = build_topology(TopologyKind::kFatTree, p);
  EXPECT_EQ(t.endpoint_count(), 8);
  EXPECT_EQ(names(t, t.route(6, 8 + 5)), (std::vector<std::string>{"gpu2-nic^", "gpu9-nicv"}));
}

TEST(Topology, NicsSitInPlaneKModPlanes) {
  // 4 NICs in 2 planes: NICs 0 and 2 in plane 0, 1 and 3 in plane 1. GPU 6 (NIC 2, plane 0) to GPU 8 + 5
  // (NIC 1, plane 1) crosses to node 1's GPU 8 + 6 over NIC 2, then NVLink.
  TopologyParams p = params(2);
  p.nics_per_node = 4;
  p.planes = 2;
  const Topology t = build_topology(TopologyKind::kMultiPlaneFatTree, p);
  EXPECT_EQ(t.planes(), 2);
  EXPECT_EQ(t.endpoint_count(), 8);
  EXPECT_EQ(names(t, t.route(6, 8 + 4)), (std::vector<std::string>{"gpu2-nic^", "gpu8-nicv"}));
  EXPECT_EQ(names(t, t.route(6, 8 + 5)),
            (std::vector<std::string>{"gpu2-nic^", "gpu10-nicv", "gpu14-nvlink^", "gpu13-nvlinkv"}));
  p.planes = 3;
  EXPECT_THROW(build_topology(TopologyKind::kMultiPlaneFatTree, p), ConfigError);
}

}  // namespace
}  // namespace trainsim::hw
