// Merged all-to-all peers load every NVLink and NIC port once, and the merged flows take the time of the
// node-limited pattern's flows (each simulation in a child).
#include "sim/step/replica_gpus.h"

#include <gtest/gtest.h>

#include "core/child_process.h"
#include "hardware/topology_builder.h"
#include "tests/sim/engine/all_to_all.h"
#include "sim/engine/engine.h"
#include "tests/sim/step/deepseek_scenario.h"

namespace trainsim::sim {
namespace {

TEST(ReplicaGpus, MergedAllToAllPeersLoadEveryPortOnce) {
  Scenario s = deepseek();
  const ReplicaGpus gpus(s, 16, true);
  EXPECT_EQ(gpus.members(), 64);
  std::vector<int> nic_in(64, 0), nvlink_in(64, 0);
  for (int m = 0; m < 64; ++m) {
    const int g = gpus.gpu(3, m), base = gpus.gpu(3, 0);
    const int nic = gpus.nic_peer(g, 64), nvlink = gpus.nvlink_peer(g, 64);
    EXPECT_EQ(nic % 8, g % 8);             // same plane
    EXPECT_NE(nic / 8, g / 8);             // another node
    EXPECT_EQ(nvlink / 8, g / 8);          // same node
    ASSERT_TRUE(nic >= base && nic < base + 64 && nvlink >= base && nvlink < base + 64);
    ++nic_in[nic - base];
    ++nvlink_in[nvlink - base];
  }
  EXPECT_EQ(nic_in, std::vector<int>(64, 1));
  EXPECT_EQ(nvlink_in, std::vector<int>(64, 1));
}

TEST(ReplicaGpus, DataParallelRingPeersFollowTheBoundLink) {
  // DeepSeek-V3: 16 pipeline devices of 128 GPUs (16 nodes), TP 1: a GPU's dense replicas sit 1 apart. Over
  // the NIC the ring goes to the same index a node away; over NVLink to the next GPU of its own node.
  const ReplicaGpus gpus(deepseek(), 16, false);
  const int g = gpus.gpu(3, 0) + 13;  // node 1 of device 3, index 5
  EXPECT_EQ(gpus.ring_peer(g, 1, hw::CollectiveLink::kNic), g + 8);
  EXPECT_EQ(gpus.ring_peer(g, 1, hw::CollectiveLink::kNvLink), g + 1);
  EXPECT_EQ(gpus.ring_peer(g + 2, 1, hw::CollectiveLink::kNvLink), g - 5);  // index 7 wraps to index 0
  EXPECT_EQ(gpus.ring_peer(g, 8, hw::CollectiveLink::kNvLink), -1);        // replicas a node apart: none inside
}

TEST(ReplicaGpus, MergedFlowsTakeTheTimeOfTheNodeLimitedFlows) {
  hw::TopologyParams p;
  p.nodes = 8;
  p.nvlink_latency_s = 1e-6;
  p.nic_latency_s = 1.5e-6;
  const hw::Topology topology = hw::build_topology(hw::TopologyKind::kMultiPlaneFatTree, p);
  Scenario s = deepseek();
  s.cluster.nodes = 8;
  s.layout.pp = 1;
  s.layout.dp = 64;
  const ReplicaGpus gpus(s, 1, true);
  constexpr double kBytesPerPair = 16e6;
  std::vector<int> all(64);
  for (int g = 0; g < 64; ++g) all[g] = g;
  const auto node_limited = node_limited_all_to_all(topology, all, kBytesPerPair);
  // Per GPU: 7 nodes x 8 GPUs of shares over its NIC; 7 local shares and 7 x 7 forwarded over NVLink.
  std::vector<FlowDemand> merged;
  for (int g = 0; g < 64; ++g) {
    merged.push_back({g, gpus.nic_peer(g, 64), 56 * kBytesPerPair});
    merged.push_back({g, gpus.nvlink_peer(g, 64), 56 * kBytesPerPair});
  }
  auto makespan = [&](const std::vector<FlowDemand>& flows) {
    return run_in_child([&] {
      ActivityGraph graph;
      add_flows(graph, flows, "dispatch");
      return std::vector<double>{run_engine(graph, topology).makespan_s};
    })[0];
  };
  const double full_s = makespan(node_limited), merged_s = makespan(merged);
  // 1%: both load every NVLink and NIC port with the same bytes; they differ only in how max-min sharing
  // orders the per-pair flows' finishes at the end of the full pattern.
  EXPECT_NEAR(merged_s, full_s, 0.01 * full_s);
  EXPECT_EQ(node_limited.size(), 64u * 21);  // per GPU: 21 flows become 2
  EXPECT_EQ(merged.size(), 64u * 2);
}

}  // namespace
}  // namespace trainsim::sim
