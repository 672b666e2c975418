// The whole model's shape and bookkeeping: its parameter count by hand from the tiny config, unique parameter
// names, same seed same bytes, and the moe/ references' limits (sigmoid scoring only) enforced.
#include "kernels/model/reduced_deepseek_v3.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

TEST(ReducedDeepSeekV3Shape, ParameterCountOfTheTinyConfigByHand) {
  // h 16, vocab 32, 2 heads, q_lora 6, kv_lora 4, qk 4 + 2, v 4, dense 40, expert 4, 8 experts, 1 shared.
  // MLA: W_DQ 6x16 + gamma 6 + W_UQ (2x6)x6 + W_DKV (4+2)x16 + gamma 4 + W_UKV (2x8)x4 + W_O 16x(2x4) = 466.
  // Dense block: 466 + 2 norms x 16 + 3 x 16 x 40 = 2418. MoE block: 466 + 32 + router 8x16 + shared 3x16x4
  // + 8 experts x 3x16x4 = 2354. MTP: 2 norms x 16 + M 16x32 + a MoE block + norm 16 = 2914.
  // Embedding and head 2 x 32x16, final norm 16: 1040. Total 1040 + 2418 + 2354 + 2914 = 8726.
  EXPECT_EQ(parameter_count(init_weights(testing::tiny_config(), 1)), 8726u);
}

TEST(ReducedDeepSeekV3Shape, ParameterNamesAreUnique) {
  const ModelWeights w = init_weights(testing::tiny_config(), 1);
  std::set<std::string> names;
  int tensors = 0;
  for_each_parameter(w, w, [&](const std::string& name, int, const auto&, const auto&) {
    names.insert(name);
    ++tensors;
  });
  EXPECT_EQ(int(names.size()), tensors);
  EXPECT_TRUE(names.count("layers.1.moe.experts.7.w_down"));
  EXPECT_TRUE(names.count("mtp.0.block.moe.router"));
  EXPECT_TRUE(names.count("layers.0.mlp.w_gate_up"));
}

TEST(ReducedDeepSeekV3Shape, SameSeedSameBytes) {
  const ModelConfig c = testing::tiny_config();
  const std::vector<int> ids{3, 17, 5, 29, 8, 1, 22, 14, 9};
  ReducedDeepSeekV3 a(c, 9), b(c, 9), other(c, 10);
  const LossReport ra = a.forward(ids, testing::test_batch()), rb = b.forward(ids, testing::test_batch());
  EXPECT_EQ(ra.total_loss, rb.total_loss);
  EXPECT_NE(ra.total_loss, other.forward(ids, testing::test_batch()).total_loss);
}

TEST(ReducedDeepSeekV3Shape, MoeRefusesSoftmaxScoring) {
  const ModelConfig c = testing::tiny_config();
  RoutingRule rule = c.routing_rule();
  rule.scoring = RouterScoring::kSoftmax;  // the gate backward and the balance loss are sigmoid's
  const MoeWeights w = init_weights(c, 1).layers[1].moe;
  MoeCache cache;
  EXPECT_THROW(moe_forward(rule, w, {}, std::vector<double>(16, 0.5), 1, cache), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model
