// The whole reduced DeepSeek-V3 (main loss + 0.3 x MTP loss) against central differences on the tiny config: a
// spread of entries of every parameter tensor and a random direction through all of each tensor (tolerance in
// gradient_check.h), with every MoE block's choice of experts asserted unchanged by each step; and the loss of
// a model whose output head is zero, which is log(vocab) by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kernels/model/reduced_deepseek_v3.h"
#include "tests/kernels/gradient_check.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

const std::vector<int> kTokens{3, 17, 5, 29, 8, 1, 22, 14, 9};  // two sequences: 5 and 4 tokens

TEST(ReducedDeepSeekV3, ZeroHeadGivesLogVocabForBothLosses) {
  const ModelConfig c = testing::tiny_config();
  ReducedDeepSeekV3 model(c, 1);
  std::fill(model.weights.head.begin(), model.weights.head.end(), 0.0);
  const LossReport r = model.forward(kTokens, testing::test_batch());
  EXPECT_NEAR(r.main_loss, std::log(32.0), 1e-14);  // uniform over 32 tokens
  EXPECT_NEAR(r.mtp_loss, std::log(32.0), 1e-14);
  EXPECT_NEAR(r.total_loss - r.balance_loss, 1.3 * std::log(32.0), 1e-14);  // lambda = 0.3, D = 1
}

// The gradient buffer is kept from backward to backward and zeroed each time: a second backward of the same forward
// gives the same gradients, not twice them (an accumulation into the last step's would double every one).
TEST(ReducedDeepSeekV3, EachBackwardStartsFromAZeroedGradientBuffer) {
  const ModelConfig c = testing::tiny_config();
  ReducedDeepSeekV3 model(c, 1);
  model.forward(kTokens, testing::test_batch());
  const ModelWeights first = model.backward();
  const ModelWeights& second = model.backward();
  int tensors = 0;
  for_each_parameter(first, second,
                     [&](const std::string& name, int, const std::vector<double>& a, const std::vector<double>& b) {
                       EXPECT_EQ(a, b) << name;
                       ++tensors;
                     });
  EXPECT_GT(tensors, 0);
  double sum_abs = 0;
  for (double g : second.head) sum_abs += std::abs(g);
  EXPECT_GT(sum_abs, 0) << "the head's gradient is not all zero, so equality above compares something";
}

TEST(ReducedDeepSeekV3, EveryParameterGradientMatchesFiniteDifferences) {
  ModelConfig c = testing::tiny_config();
  c.balance_loss_alpha = 0.05;  // above DeepSeek-V3's 1e-4 so that the balance losses' gradients weigh in
  ReducedDeepSeekV3 model(c, 2);
  model.weights = testing::test_weights(c, 3);
  for (auto& bias : model.expert_bias) bias = testing::random_doubles(bias.size(), 4, 0.02f);  // selection only
  const VarlenBatch batch = testing::test_batch();
  const LossReport base = model.forward(kTokens, batch);
  EXPECT_GT(base.mtp_loss, 0);
  ModelWeights grads = model.backward();
  std::vector<std::vector<int>> chosen;
  for (int b = 0; b < model.moe_block_count(); ++b) chosen.push_back(model.last_expert_ids(b));
  ASSERT_EQ(chosen.size(), 2u);  // layer 1 and the MTP block

  int flips = 0;
  const auto loss = [&] {
    const double l = model.forward(kTokens, batch).total_loss;
    for (int b = 0; b < model.moe_block_count(); ++b) flips += model.last_expert_ids(b) != chosen[b] ? 1 : 0;
    return l;
  };
  int tensors = 0;
  double worst = 0;
  for_each_parameter(model.weights, grads,
                     [&](const std::string& name, int, std::vector<double>& value, std::vector<double>& grad) {
                       const testing::GradCheck entries = testing::check_entries(value, grad, loss, 12);
                       const double direction = testing::check_direction(value, grad, loss, 100 + tensors);
                       EXPECT_LT(entries.max_rel_error, testing::kGradTolerance) << name;
                       EXPECT_LT(direction, testing::kGradTolerance) << name;
                       worst = std::max({worst, entries.max_rel_error, direction});
                       ++tensors;
                     });
  std::printf("whole model: %d tensors, %zu parameters, worst relative error %.2e\n", tensors,
              parameter_count(model.weights), worst);
  EXPECT_EQ(flips, 0) << "a finite-difference step changed the experts chosen";
}

// D = 2: depth 2 extends depth 1's output, its gradient flows back through depth 1 into the main model; the MTP
// loss is the mean over depths (lambda / D). A spread of 4 entries and one direction per tensor keeps it short.
TEST(ReducedDeepSeekV3, MtpDepthTwoGradientsMatchFiniteDifferences) {
  ModelConfig c = testing::tiny_config();
  c.num_nextn_predict_layers = 2;
  ReducedDeepSeekV3 model(c, 4);
  model.weights = testing::test_weights(c, 5);
  ASSERT_EQ(model.moe_block_count(), 3);  // layer 1 and both MTP blocks
  const VarlenBatch batch = testing::test_batch();
  model.forward(kTokens, batch);
  ModelWeights grads = model.backward();
  std::vector<std::vector<int>> chosen;
  for (int b = 0; b < model.moe_block_count(); ++b) chosen.push_back(model.last_expert_ids(b));
  int flips = 0;
  const auto loss = [&] {
    const double l = model.forward(kTokens, batch).total_loss;
    for (int b = 0; b < model.moe_block_count(); ++b) flips += model.last_expert_ids(b) != chosen[b] ? 1 : 0;
    return l;
  };
  double worst = 0;
  int seed = 200;
  for_each_parameter(model.weights, grads,
                     [&](const std::string& name, int, std::vector<double>& value, std::vector<double>& grad) {
                       const double entries = testing::check_entries(value, grad, loss, 4).max_rel_error;
                       const double direction = testing::check_direction(value, grad, loss, seed++);
                       EXPECT_LT(entries, testing::kGradTolerance) << name;
                       EXPECT_LT(direction, testing::kGradTolerance) << name;
                       worst = std::max({worst, entries, direction});
                     });
  std::printf("MTP depth 2: worst relative error %.2e\n", worst);
  EXPECT_EQ(flips, 0);
}

// The small config (4 heads, 16 experts in 4 groups, top-4, 4 layers): one random direction through each tensor,
// which exercises the shapes the tiny config cannot (more heads, groups, experts per token) at little cost.
TEST(ReducedDeepSeekV3, SmallConfigDirectionalDerivativesMatchFiniteDifferences) {
  ModelConfig c =
      load_model_config(std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-small.json");
  c.balance_loss_alpha = 0.05;
  ReducedDeepSeekV3 model(c, 6);
  model.weights = testing::test_weights(c, 7);
  const VarlenBatch batch = VarlenBatch::from_lengths({6, 5});
  const std::vector<int> ids{84, 104, 101, 32, 109, 111, 100, 101, 108, 32, 116};
  model.forward(ids, batch);
  ModelWeights grads = model.backward();
  std::vector<std::vector<int>> chosen;
  for (int b = 0; b < model.moe_block_count(); ++b) chosen.push_back(model.last_expert_ids(b));
  int flips = 0;
  const auto loss = [&] {
    const double l = model.forward(ids, batch).total_loss;
    for (int b = 0; b < model.moe_block_count(); ++b) flips += model.last_expert_ids(b) != chosen[b] ? 1 : 0;
    return l;
  };
  double worst = 0;
  int seed = 300, tensors = 0;
  for_each_parameter(model.weights, grads,
                     [&](const std::string& name, int, std::vector<double>& value, std::vector<double>& grad) {
                       const double direction = testing::check_direction(value, grad, loss, seed++);
                       EXPECT_LT(direction, testing::kGradTolerance) << name;
                       worst = std::max(worst, direction);
                       ++tensors;
                     });
  std::printf("small config: %d tensors, worst directional relative error %.2e\n", tensors, worst);
  EXPECT_EQ(flips, 0);
}

}  // namespace
}  // namespace trainsim::kernels::model
