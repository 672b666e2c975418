// NCCL's collective model, every expected value worked by hand from NCCL's tuner constants (tuning.cc,
// v2.29.7-1: base latency 8.4 us; per step NVLink ring 3.4 us, NVLink tree 4.0 us, NET 14 us; tree bandwidth
// 0.92 of the ring's) and the nccl-tests busbw definition (PERFORMANCE.md). Tolerances: 1e-12 relative, the
// rounding of a handful of double operations.
#include "hardware/nccl_collective.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"

namespace trainsim::hw {
namespace {

// The DeepSeek-V3 cluster's links: NVLink 160 GB/s achieved, one 50 GB/s NIC per GPU.
ClusterSpec h800() {
  ClusterSpec c;
  c.nvlink_bandwidth_bytes_per_s = 160e9;
  c.nic_bandwidth_bytes_per_s = 50e9;
  return c;
}

constexpr double kMiB = 1024.0 * 1024.0;

void expect_rel(double got, double expected) { EXPECT_NEAR(got, expected, 1e-12 * expected); }

TEST(NcclCollective, RingAllReduceInsideANode) {
  // 256 MiB over 8 GPUs: 2(n-1) = 14 steps; each link carries 2 x 7/8 x 268,435,456 = 469,762,048 B.
  const CollectiveTime t = nccl_collective_time({CollectiveKind::kAllReduce, 256 * kMiB, 8, 8}, h800());
  EXPECT_EQ(t.algorithm, NcclAlgorithm::kRing);
  EXPECT_EQ(t.link, CollectiveLink::kNvLink);
  EXPECT_EQ(t.steps, 14);
  expect_rel(t.bus_bytes, 469762048.0);
  expect_rel(t.latency_s, 8.4e-6 + 14 * 3.4e-6);             // 56.0 us
  expect_rel(t.bandwidth_s, 469762048.0 / 160e9);            // 2.936 ms: NVLink's ring efficiency is 1
  expect_rel(t.seconds(), 56.0e-6 + 2.9360128e-3);
}

TEST(NcclCollective, AllGatherAndReduceScatterTakeHalfTheSteps) {
  for (CollectiveKind kind : {CollectiveKind::kAllGather, CollectiveKind::kReduceScatter}) {
    const CollectiveTime t = nccl_collective_time({kind, 256 * kMiB, 8, 8}, h800());
    EXPECT_EQ(t.steps, 7);
    expect_rel(t.bus_bytes, 234881024.0);  // 7/8 of 268,435,456
    expect_rel(t.latency_s, 32.2e-6);      // 8.4 + 7 x 3.4 us
    expect_rel(t.bandwidth_s, 234881024.0 / 160e9);
  }
}

TEST(NcclCollective, SmallMessagesAreLatencyBound) {
  // 8 KiB all-reduced over 8 GPUs: 14,336 bus bytes take 89.6 ns against 56 us of latency, a busbw of
  // 14,336 B / 56.0896 us = 0.256 GB/s where 256 MiB reach 469,762,048 B / 2.9920128 ms = 157 GB/s.
  const ClusterSpec c = h800();
  const CollectiveTime small = nccl_collective_time({CollectiveKind::kAllReduce, 8192, 8, 8}, c);
  const CollectiveTime large = nccl_collective_time({CollectiveKind::kAllReduce, 256 * kMiB, 8, 8}, c);
  expect_rel(small.seconds(), 56.0e-6 + 14336.0 / 160e9);
  EXPECT_NEAR(small.bus_bytes / small.seconds() / 1e9, 0.2556, 0.0001);
  EXPECT_NEAR(large.bus_bytes / large.seconds() / 1e9, 157.0, 0.1);
}

TEST(NcclCollective, DataParallelRingOverTheNics) {
  // A ZeRO reduce-scatter of 1 GB over 128 replicas, one per node: 127 steps at NET's 14 us, and 127/128 of
  // the gigabyte over 0.94 x 50 GB/s = 47 GB/s (46-48 GB/s busbw per 400G NIC, nccl-tests#290).
  const CollectiveTime t = nccl_collective_time({CollectiveKind::kReduceScatter, 1e9, 128, 1}, h800());
  EXPECT_EQ(t.link, CollectiveLink::kNic);
  EXPECT_EQ(t.steps, 127);
  expect_rel(t.latency_s, 8.4e-6 + 127 * 14e-6);  // 1.7864 ms
  expect_rel(t.link_bytes, 9.921875e8 / 0.94);
  expect_rel(t.bandwidth_s, 9.921875e8 / 47e9);  // 21.11 ms
}

TEST(NcclCollective, TpRingAcrossTwoNodesPaysTheNetOnlyBetweenThem) {
  // TP 16 over two nodes of 8: 30 steps, 2(nodes-1) = 2 of them between nodes. A node's 8 rings leave it over
  // its 8 NICs, bus_bytes / 8 = 2 x 15/16 x 64 MiB / 8 each at 47 GB/s (1.05 ms), while NVLink carries all the
  // bus bytes at 160 GB/s (2.46 ms): NVLink sets the pace.
  const CollectiveTime t = nccl_collective_time({CollectiveKind::kAllReduce, 64 * kMiB, 16, 8}, h800());
  EXPECT_EQ(t.algorithm, NcclAlgorithm::kRing);  // 64 MiB: the ring wins even against a tree of 2 nodes
  EXPECT_EQ(t.link, CollectiveLink::kNvLink);
  EXPECT_EQ(t.steps, 30);
  expect_rel(t.latency_s, 8.4e-6 + 28 * 3.4e-6 + 2 * 14e-6);  // 131.6 us
  expect_rel(t.bandwidth_s, 2 * 15.0 / 16 * 64 * kMiB / 160e9);
}

TEST(NcclCollective, ANodesRanksShareItsNics) {
  // A TP-1 layout's DP group: 32 ranks, 8 on each of 4 nodes, all-reducing 1 GB by ring. Each rank's link
  // carries 2 x 31/32 GB = 1.9375 GB; a node's rings leave it over its 8 ranks' NICs, 1.9375 / 8 GB on each at
  // 0.94 x 25 GB/s (one 200 Gb/s HDR NIC per GPU, DGX A100): 10.30 ms, where NVLink at 300 GB/s takes 6.46 ms.
  ClusterSpec dgx_a100;
  dgx_a100.nvlink_bandwidth_bytes_per_s = 300e9;
  dgx_a100.nic_bandwidth_bytes_per_s = 25e9;
  const CollectiveTime ring = nccl_collective_time({CollectiveKind::kAllReduce, 1e9, 32, 8}, NcclAlgorithm::kRing, dgx_a100);
  EXPECT_EQ(ring.link, CollectiveLink::kNic);
  expect_rel(ring.bandwidth_s, 1.9375e9 / 8 / (0.94 * 25e9));
  expect_rel(ring.link_bytes, 1.9375e9 / 0.94 / 8);  // what one rank's NIC carries: link_bytes / NIC rate = bandwidth_s
  // The same group one rank per node (32 nodes): each rank sends all its bus bytes over its own NIC, 8x longer.
  const CollectiveTime spread = nccl_collective_time({CollectiveKind::kAllReduce, 1e9, 32, 1}, NcclAlgorithm::kRing, dgx_a100);
  expect_rel(spread.bandwidth_s, 8 * ring.bandwidth_s);
}

TEST(NcclCollective, TreeForSmallAndMediumInterNodeAllReducesRingForLarge) {
  // 16 nodes, one GPU each. Ring: 30 steps, 8.4 + 30 x 14 = 428.4 us, 2 x 15/16 S over 47 GB/s. Tree:
  // 2 log2(16) = 8 steps, 8.4 + 8 x 14 = 120.4 us, 2S over 0.92 x 47 = 43.24 GB/s. Equal where
  // 308 us = S (2 / 43.24e9 - 1.875 / 47e9): S = 48.43 MB.
  const ClusterSpec c = h800();
  const double crossover_bytes = 308e-6 / (2 / 43.24e9 - 1.875 / 47e9);
  EXPECT_NEAR(crossover_bytes, 48.43e6, 0.01e6);
  const CollectiveTime medium = nccl_collective_time({CollectiveKind::kAllReduce, 16 * kMiB, 16, 1}, c);
  EXPECT_EQ(medium.algorithm, NcclAlgorithm::kTree);
  EXPECT_EQ(medium.steps, 8);
  expect_rel(medium.latency_s, 120.4e-6);
  expect_rel(medium.bandwidth_s, 2 * 16 * kMiB / 43.24e9);
  const CollectiveTime large = nccl_collective_time({CollectiveKind::kAllReduce, 256 * kMiB, 16, 1}, c);
  EXPECT_EQ(large.algorithm, NcclAlgorithm::kRing);
  expect_rel(large.latency_s, 428.4e-6);
  // Either side of the crossover, the choice is the faster of the two.
  for (double bytes : {0.99 * crossover_bytes, 1.01 * crossover_bytes}) {
    const Collective collective{CollectiveKind::kAllReduce, bytes, 16, 1};
    const double ring = nccl_collective_time(collective, NcclAlgorithm::kRing, c).seconds();
    const double tree = nccl_collective_time(collective, NcclAlgorithm::kTree, c).seconds();
    EXPECT_EQ(nccl_collective_time(collective, c).seconds(), std::min(ring, tree));
    EXPECT_EQ(tree < ring, bytes < crossover_bytes);
  }
}

TEST(NcclCollective, TreeOnlyForAllReducesAcrossNodes) {
  const ClusterSpec c = h800();
  // A tiny all-gather across nodes and a tiny all-reduce inside one still go by ring.
  EXPECT_EQ(nccl_collective_time({CollectiveKind::kAllGather, 1024, 16, 1}, c).algorithm, NcclAlgorithm::kRing);
  EXPECT_EQ(nccl_collective_time({CollectiveKind::kAllReduce, 1024, 8, 8}, c).algorithm, NcclAlgorithm::kRing);
  EXPECT_THROW(nccl_collective_time({CollectiveKind::kAllReduce, 1024, 8, 8}, NcclAlgorithm::kTree, c), Error);
  EXPECT_THROW(nccl_collective_time({CollectiveKind::kReduceScatter, 1024, 16, 1}, NcclAlgorithm::kTree, c), Error);
}

TEST(NcclCollective, NothingToMoveTakesNoTime) {
  EXPECT_EQ(nccl_collective_time({CollectiveKind::kAllReduce, 1e9, 1, 1}, h800()).seconds(), 0.0);
  EXPECT_EQ(nccl_collective_time({CollectiveKind::kAllGather, 0, 8, 8}, h800()).seconds(), 0.0);
}

TEST(NcclCollective, RejectsAGroupThatDoesNotFillItsNodes) {
  EXPECT_THROW(nccl_collective_time({CollectiveKind::kAllReduce, 1e6, 12, 8}, h800()), Error);
}

}  // namespace
}  // namespace trainsim::hw
