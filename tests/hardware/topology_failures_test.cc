// What-if failures: each expected figure worked by hand from the small networks' structure, which the tests
// check first (switch and link counts of fabric_params' builders at radix 8).
#include "hardware/topology_failures.h"

#include <gtest/gtest.h>

#include <optional>

#include "hardware/bisection_bandwidth.h"
#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;
using testing::kLinkBytesPerS;

NetworkFailures parts(std::vector<std::string> names) { return {std::move(names), 0, 0}; }

std::vector<std::string> hop_names(const Topology& t, int src, int dst) {
  std::vector<std::string> names;
  for (const RouteHop& hop : t.route(src, dst)) names.push_back(t.link_name(hop.link));
  return names;
}

// FT2 of 8-port switches, 32 NICs, 4 GPUs per node: 8 leaves (4 NICs down, 4 up: one node each) and 4 spines,
// one cable per leaf-spine pair. Halving the NICs cuts 4 leaves x 4 uplinks: 16 links' bandwidth.
TEST(TopologyFailures, ASpineLessTakesAQuarterOfAFatTreesBisection) {
  const Topology healthy = fabric(TopologyKind::kFatTree, 32, 8, 4);
  ASSERT_EQ(healthy.switch_count(), 12);
  ASSERT_EQ(healthy.link_count(), 32);
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(healthy), 16 * kLinkBytesPerS);
  const FailedNetwork failed = fail_parts(healthy, parts({"spine0"}), "test", "--fail");
  EXPECT_EQ(failed.failed.switches, 1);
  EXPECT_EQ(failed.failed.fabric_links, 8);  // its link to each of the 8 leaves
  EXPECT_EQ(failed.topology.link_count(), 24);
  // Each leaf keeps 3 of its 4 uplinks: 4 leaves x 3.
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(failed.topology), 12 * kLinkBytesPerS);
  EXPECT_EQ(node_reachability(failed.topology).disconnected_pairs, 0);
  // A route avoids the failed spine: ties among the 3 spines left.
  for (const std::string& hop : hop_names(failed.topology, 0, 4 * 7)) EXPECT_EQ(hop.find("spine0"), std::string::npos);
}

TEST(TopologyFailures, EveryFabricLinkFailedLeavesNoNodePairJoined) {
  const Topology healthy = fabric(TopologyKind::kFatTree, 32, 8, 4);
  const FailedNetwork failed = fail_parts(healthy, {{}, 1.0, 7}, "test", "--fail-links");
  EXPECT_EQ(failed.failed.fabric_links, 32);
  const NodeReachability r = node_reachability(failed.topology);
  EXPECT_EQ(r.node_pairs, 8 * 7 / 2);
  EXPECT_EQ(r.disconnected_pairs, 28);  // each node alone on its leaf
  EXPECT_FALSE(failed.topology.connected(0, 4));
  EXPECT_TRUE(failed.topology.connected(0, 3));  // NVLink inside the node
  EXPECT_THROW(failed.topology.route(0, 4), Error);
}

TEST(TopologyFailures, TheSameSeedFailsTheSameLinks) {
  const Topology healthy = fabric(TopologyKind::kFatTree, 32, 8, 4);
  const NetworkFailures random{{}, 0.25, 42};
  const FailedNetwork a = fail_parts(healthy, random, "test", "--fail-links");
  const FailedNetwork b = fail_parts(healthy, random, "test", "--fail-links");
  ASSERT_EQ(a.topology.edge_count(), b.topology.edge_count());
  for (int link = 0; link < a.topology.edge_count(); ++link) EXPECT_EQ(a.topology.link_name(link), b.topology.link_name(link));
  EXPECT_GT(a.failed.fabric_links, 0);
  EXPECT_LT(a.failed.fabric_links, 32);
  EXPECT_EQ(fail_parts(healthy, {{}, 0.0, 42}, "test", "--fail-links").failed.fabric_links, 0);
}

// MPFT of 8-port switches, 64 NICs, 4 per node: 4 planes of 16 NICs, each 4 leaves and 2 spines with 2 cables
// per leaf-spine pair. A plane lost takes its quarter of the bisection; GPUs of its index reach every node
// through a node-mate's NIC over NVLink, and land on the sender's index at the far node.
TEST(TopologyFailures, APlaneLostIsRoutedAroundOverNvLink) {
  const Topology healthy = fabric(TopologyKind::kMultiPlaneFatTree, 64, 8, 4);
  ASSERT_EQ(healthy.switch_count(), 4 * (4 + 2));
  ASSERT_EQ(healthy.link_count(), 4 * 16);
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(healthy), 32 * kLinkBytesPerS);
  const FailedNetwork failed = fail_parts(healthy, parts({"plane1"}), "test", "--fail");
  EXPECT_EQ(failed.failed.switches, 6);
  EXPECT_EQ(failed.failed.nics, 16);
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(failed.topology), 24 * kLinkBytesPerS);
  EXPECT_EQ(node_reachability(failed.topology).disconnected_pairs, 0);
  // GPU 1 (node 0, index 1) to GPU 21 (node 5, index 1): over NVLink to GPU 2, plane 2 across, NVLink from GPU 22.
  const std::vector<std::string> hops = hop_names(failed.topology, 1, 21);
  ASSERT_EQ(hops.size(), 8u);
  EXPECT_EQ(hops[0], "gpu1-nvlink");
  EXPECT_EQ(hops[1], "gpu2-nvlink");
  EXPECT_EQ(hops[2], "gpu2-nic");
  EXPECT_EQ(hops[5], "gpu22-nic");
  EXPECT_EQ(hops[6], "gpu22-nvlink");
  EXPECT_EQ(hops[7], "gpu21-nvlink");
  // Healthy, the same flow stays on its own plane's NICs.
  const std::vector<std::string> healthy_hops = hop_names(healthy, 1, 21);
  EXPECT_EQ(healthy_hops.front(), "gpu1-nic");
  EXPECT_EQ(healthy_hops.back(), "gpu21-nic");
}

// FT2 of 32 NICs, 4 GPUs a node. GPU 0's NIC lost, it sends as NCCL's PXN does (docs/sources.md#nccl-pxn): over
// NVLink to the node-mate on the destination's rail (its index) and out on that one's NIC, so its traffic
// spreads over the three NICs left. To a GPU of its own index the node-mate is picked from an index that turns
// with both nodes, (0 + dst node) mod 4 here: node 1: GPU 1, node 2: GPU 2, node 3: GPU 3, node 4: GPU 0, lost,
// so GPU 1. From node 1's GPU 4 (its NIC lost too) to node 2's GPU 8: (1 + 2) mod 4, GPU 7 of node 1.
TEST(TopologyFailures, ANicLostSendsThroughTheNodeMateOnTheDestinationsRail) {
  const Topology healthy = fabric(TopologyKind::kFatTree, 32, 8, 4);
  const FailedNetwork failed = fail_parts(healthy, parts({"gpu0-nic"}), "test", "--fail");
  EXPECT_EQ(failed.failed.nics, 1);
  const FailedNetwork two = fail_parts(healthy, parts({"gpu0-nic", "gpu4-nic"}), "test", "--fail");
  EXPECT_EQ(hop_names(two.topology, 4, 8)[2], "gpu7-nic");
  const std::vector<std::string> out = hop_names(failed.topology, 0, 4);
  EXPECT_EQ(out.front(), "gpu0-nvlink");
  EXPECT_EQ(out[2], "gpu1-nic");
  EXPECT_EQ(out.back(), "gpu4-nic");  // a single-plane fabric lands on the destination's own NIC
  const std::pair<int, const char*> sends[] = {{5, "gpu1-nic"}, {6, "gpu2-nic"}, {7, "gpu3-nic"},
                                               {8, "gpu2-nic"}, {12, "gpu3-nic"}, {16, "gpu1-nic"}};
  for (const auto& [dst, nic] : sends) EXPECT_EQ(hop_names(failed.topology, 0, dst)[2], nic) << "to GPU " << dst;
  const std::vector<std::string> in = hop_names(failed.topology, 4, 0);
  EXPECT_EQ(in.front(), "gpu4-nic");
  EXPECT_EQ(in.back(), "gpu0-nvlink");
}

// A copy's edge table points into its own graph: the failed network outlives the one it was built in.
TEST(TopologyFailures, ACopiedNetworkKeepsItsLinks) {
  std::optional<FailedNetwork> kept;
  {
    const FailedNetwork failed = fail_parts(fabric(TopologyKind::kFatTree, 32, 8, 4), parts({"spine0"}), "test", "--fail");
    kept = failed;
  }
  EXPECT_EQ(kept->topology.link_count(), 24);
  Topology assigned = fabric(TopologyKind::kFatTree, 32, 8, 4);
  assigned = kept->topology;
  for (int link = 0; link < assigned.edge_count(); ++link) {
    EXPECT_EQ(assigned.link_name(link), kept->topology.link_name(link));
    EXPECT_EQ(assigned.edge(link).id, link);
  }
}

TEST(TopologyFailures, AnUnknownPartIsRefusedWithTheClosestName) {
  const Topology healthy = fabric(TopologyKind::kFatTree, 32, 8, 4);
  try {
    fail_parts(healthy, parts({"spine9"}), "command line", "--fail");
    FAIL() << "spine9 accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().key_path, "--fail");
    EXPECT_NE(e.problem().find("spine9"), std::string::npos);
  }
  try {
    fail_parts(healthy, parts({"spine33"}), "command line", "--fail");
    FAIL() << "spine33 accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("spine3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::hw
