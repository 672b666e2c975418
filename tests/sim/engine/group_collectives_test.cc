// Collectives on the test cluster (test_cluster.h: a multi-plane fat-tree of H800 nodes, NICs 50 GB/s, NVLink
// 160 GB/s, latency-free here) against hand laws: each flow's share of its busiest link, max-min.
#include "sim/engine/group_collectives.h"

#include <gtest/gtest.h>

#include "tests/sim/engine/simgrid_laws.h"
#include "tests/sim/engine/test_cluster.h"

namespace trainsim::sim {
namespace {

using testing::cluster;
using testing::kFlowBytes;
using testing::kSimGridTolerance_s;

// GPU 0 of 4 nodes: all on plane 0, whose 4 NICs share one leaf (no spine): every hop NIC to NIC.
TEST(GroupCollectives, ARingAllReduceMovesTwiceItsBytesLessAShareOverEachLink) {
  const hw::Topology t = cluster(4);
  const std::vector<int> ring = spread_ring(t, 4);
  ASSERT_EQ(ring, (std::vector<int>{0, 8, 16, 24}));
  // 2 (n - 1) = 6 rounds of bytes / 4 over a 50 GB/s NIC each, one after another (each waits for its chunk).
  const double expected_s = 6 * (kFlowBytes / 4) / 50e9;
  const double took_s = simulate_ring_all_reduce_s(t, ring, kFlowBytes);
  EXPECT_NEAR(took_s, expected_s, 6 * kSimGridTolerance_s);  // SimGrid's rounding, per round
  // The ring's bus bandwidth is then its links' (NCCL's definition).
  EXPECT_NEAR(all_reduce_bus_bytes_per_s(kFlowBytes, 4, took_s), 50e9, 50e9 * 1e-6);
}

TEST(GroupCollectives, AnAllToAllTakesTheBusiestPortsBytesOverItsBandwidth) {
  // Across nodes: each NIC sends 3 flows out and takes 3 in, so each flow gets a third of 50 GB/s.
  const hw::Topology t = cluster(4);
  EXPECT_NEAR(simulate_all_to_all_s(t, {0, 8, 16, 24}, kFlowBytes), 3 * kFlowBytes / 50e9, 2 * kSimGridTolerance_s);
  // Inside one node: 7 flows on each GPU's NVLink, each way, at 160 GB/s.
  const hw::Topology node = cluster(1);
  EXPECT_NEAR(simulate_all_to_all_s(node, consecutive_gpus(node, 8), kFlowBytes), 7 * kFlowBytes / 160e9,
              2 * kSimGridTolerance_s);
}

TEST(GroupCollectives, GroupsAreClippedToTheNetwork) {
  const hw::Topology t = cluster(2);
  EXPECT_EQ(consecutive_gpus(t, 64).size(), 16u);
  EXPECT_EQ(spread_ring(t, 16), (std::vector<int>{0, 8}));
  EXPECT_EQ(simulate_ring_all_reduce_s(t, {0}, kFlowBytes), 0);
}

}  // namespace
}  // namespace trainsim::sim
