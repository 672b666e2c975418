// EP traffic expectations: DeepSeek-V3 under EP 64 on 8 nodes reaches exactly 4 nodes per token (topk_group).
#include "models/ep_traffic.h"

#include <gtest/gtest.h>

#include "models/model_presets.h"

namespace trainsim::models {
namespace {

TEST(EpTraffic, DeepSeekV3NodeLimitedRouting) {
  const EpTrafficPerToken t = expected_ep_traffic(load_preset("deepseek-v3"), {64, 8});
  EXPECT_DOUBLE_EQ(t.target_nodes, 4.0);    // 8 groups on 8 nodes, top-4 groups
  EXPECT_DOUBLE_EQ(t.remote_nodes, 3.5);    // one of the 8 nodes is the sender's own
  // 2 experts per target node on 8 GPUs: 7 * (1 - (7/8)^2) forwards per node.
  EXPECT_NEAR(t.nvlink_copies, 4 * 7 * (1 - 49.0 / 64), 1e-12);
}

TEST(EpTraffic, NoTrafficWithoutExpertParallelism) {
  const EpTrafficPerToken t = expected_ep_traffic(load_preset("deepseek-v3"), {1, 8});
  EXPECT_EQ(t.remote_nodes, 0);
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

}  // namespace
}  // namespace trainsim::models
