// EP traffic expectations: DeepSeek-V3 under EP 64 on 8 nodes reaches exactly 4 nodes per token (topk_group).
#include "models/ep_traffic.h"

#include <gtest/gtest.h>

#include "models/model_presets.h"

namespace trainsim::models {
namespace {

TEST(EpTraffic, DeepSeekV3NodeLimitedRouting) {
  const EpTrafficPerToken t = expected_ep_traffic(load_preset("deepseek-v3"), {64, 8});
  EXPECT_DOUBLE_EQ(t.target_nodes, 4.0);    // 8 groups on 8 nodes, top-4 groups
  EXPECT_DOUBLE_EQ(t.nic_copies, 3.5);    // one of the 8 nodes is the sender's own
  // 2 experts per target node on 8 GPUs: 7 * (1 - (7/8)^2) forwards per node.
  EXPECT_NEAR(t.nvlink_copies, 4 * 7 * (1 - 49.0 / 64), 1e-12);
}

TEST(EpTraffic, NoTrafficWithoutExpertParallelism) {
  const EpTrafficPerToken t = expected_ep_traffic(load_preset("deepseek-v3"), {1, 8});
  EXPECT_EQ(t.nic_copies, 0);
  EXPECT_EQ(t.nvlink_copies, 0);
  const EpTrafficPerToken dense = expected_ep_traffic(load_preset("llama-3.1-70b"), {8, 8});
  EXPECT_EQ(dense.target_nodes, 0);
}

TEST(EpTraffic, WithoutGroupLimitTokensSpreadOverMoreNodes) {
  ModelConfig m = load_preset("deepseek-v3");
  m.moe.groups_per_token = m.moe.expert_groups;  // no node limit
  const EpTrafficPerToken t = expected_ep_traffic(m, {64, 8});
  // 8 distinct experts drawn uniformly from 256, 32 per node: a node is missed with probability
  // C(224, 8) / C(256, 8) = (224/256)(223/255)...(217/249), so 8 x (1 - that) nodes are reached (5.28).
  double miss = 1;
  for (int i = 0; i < 8; ++i) miss *= (224.0 - i) / (256.0 - i);
  EXPECT_NEAR(t.target_nodes, 8 * (1 - miss), 1e-12);
}

// DeepSeek-V2 (160 experts in 8 groups, top-6 from 3 groups: device-limited routing) under EP 8 on one node: each
// GPU holds one group's 20 experts, so a token's experts lie on its 3 chosen groups' 3 GPUs, not on 8 GPUs drawn
// uniformly. It starts on its own GPU, one of the 3 with probability 3/8: 3 x 7/8 forwards.
TEST(EpTraffic, DeviceLimitedRoutingConfinesATokenToItsChosenGroupsGpus) {
  const EpTrafficPerToken t = expected_ep_traffic(load_preset("deepseek-v2"), {8, 8});
  EXPECT_DOUBLE_EQ(t.target_nodes, 1.0);
  EXPECT_DOUBLE_EQ(t.nic_copies, 0.0);
  EXPECT_NEAR(t.nvlink_copies, 3 * 7.0 / 8, 1e-12);
}

// The same over EP 16 on 2 nodes: a node holds 4 groups, each on 2 GPUs. The 3 chosen groups reach both nodes
// unless all lie in one: 2 x (1 - C(4,3) / C(8,3)) = 13/7 nodes. Each chosen group's 2 experts hit 2 x (1 - 1/4)
// = 1.5 of its 2 GPUs; a node's share of the forwards is 7/8 of its target GPUs: 3 x 1.5 x 7/8 in all.
TEST(EpTraffic, GroupsSmallerThanANodeOverTwoNodes) {
  const EpTrafficPerToken t = expected_ep_traffic(load_preset("deepseek-v2"), {16, 8});
  EXPECT_NEAR(t.target_nodes, 13.0 / 7, 1e-12);
  EXPECT_NEAR(t.nic_copies, 13.0 / 14, 1e-12);
  EXPECT_NEAR(t.nvlink_copies, 3 * 1.5 * 7 / 8, 1e-12);
}

// Megatron-Core's alltoall dispatcher sends each (token, expert) pair as a row straight to its expert's GPU. DeepSeek-
// V3 under EP 64 on 8 nodes, balanced: of a token's 8 rows, 8 x 56/64 = 7 leave the node and 8 x 7/64 go to the 7
// other GPUs of its own, where DeepEP's path sends 3.5 over InfiniBand (above): twice the NIC bytes.
TEST(EpTraffic, PerExpertRowsGoStraightToEveryExpertsGpu) {
  const EpTrafficPerToken t = expected_ep_traffic(load_preset("deepseek-v3"), {64, 8, EpDispatch::kPerExpert});
  EXPECT_DOUBLE_EQ(t.nic_copies, 7.0);
  EXPECT_DOUBLE_EQ(t.nvlink_copies, 8 * 7.0 / 64);
  EXPECT_EQ(ep_dispatch_from_name(ep_dispatch_name(EpDispatch::kPerExpert)), EpDispatch::kPerExpert);
  EXPECT_EQ(ep_dispatch_from_name("deepep"), std::nullopt);
}

// EP 64 on 8 nodes of 8: rank 3 reaches its node's 7 other GPUs over NVLink; per node, the NIC only to index 3 of
// the 7 other nodes (rank 11, not rank 12); per expert, to all 56 GPUs of the other nodes.
TEST(EpTraffic, BalancedBytesSpreadOverThePeersEachLinkReaches) {
  const EpGroupShape per_node{64, 8}, per_expert{64, 8, EpDispatch::kPerExpert};
  for (const EpGroupShape& group : {per_node, per_expert}) {
    EXPECT_EQ(balanced_peer_spread(group, 3, 3).link, EpLink::kNone);
    EXPECT_EQ(balanced_peer_spread(group, 3, 5).link, EpLink::kNvlink);
    EXPECT_EQ(balanced_peer_spread(group, 3, 5).peers, 7);
    EXPECT_EQ(balanced_peer_spread(group, 3, 11).link, EpLink::kNic);
  }
  EXPECT_EQ(balanced_peer_spread(per_node, 3, 11).peers, 7);
  EXPECT_EQ(balanced_peer_spread(per_node, 3, 12).link, EpLink::kNone);
  EXPECT_EQ(balanced_peer_spread(per_expert, 3, 12).link, EpLink::kNic);
  EXPECT_EQ(balanced_peer_spread(per_expert, 3, 12).peers, 56);
}

}  // namespace
}  // namespace trainsim::models
