// The split backward (deferred_weight_gradients.h) on the tiny config: a backward for the inputs and then its weight
// gradients give the whole backward's gradients bit for bit; the weight-gradient GEMMs run (and are timed, by kind)
// where W runs, not where Bi does.
#include "kernels/model/deferred_weight_gradients.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/model/reduced_deepseek_v3.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

const std::vector<int> kIds = {3, 1, 4, 1, 5, 9, 2, 6, 5};  // the test batch's 5 + 4 tokens, vocab 32

ReducedDeepSeekV3 tiny_model(GemmPrecision precision) {
  ReducedDeepSeekV3 model(testing::tiny_config(), 1);
  model.weights = testing::test_weights(model.config(), 3);
  model.options.gemm_precision = precision;
  return model;
}

void expect_split_is_whole(GemmPrecision precision) {
  ReducedDeepSeekV3 whole = tiny_model(precision), split = tiny_model(precision);
  whole.forward(kIds, testing::test_batch());
  const ModelWeights expected = whole.backward();
  split.forward(kIds, testing::test_batch());
  split.backward(0, GradientBuffer::kZeroFirst, WeightGradients::kDeferred);
  // After Bi: a linear layer's weight gradient still zero, a norm's gain already the whole backward's.
  for (double g : split.gradient_buffer().layers[0].mla.w_dq) ASSERT_EQ(g, 0.0);
  EXPECT_EQ(split.gradient_buffer().layers[0].attn_norm, expected.layers[0].attn_norm);
  split.backward_weights(0);
  int tensors = 0;
  for_each_parameter(expected, split.gradient_buffer(),
                     [&](const std::string& name, int, const std::vector<double>& a, const std::vector<double>& b) {
                       ++tensors;
                       ASSERT_EQ(a.size(), b.size()) << name;
                       for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << name << "[" << i << "]";
                     });
  EXPECT_EQ(tensors, 74);  // every tensor of the tiny model (NOTES.md)
}

// Exact equality: the same GEMMs on the same operands, each weight's additions in the same order.
TEST(DeferredWeightGradients, BackwardForTheInputsThenWeightsIsTheWholeBackwardFp64) {
  expect_split_is_whole(GemmPrecision::kFP64);
}
TEST(DeferredWeightGradients, BackwardForTheInputsThenWeightsIsTheWholeBackwardFp8) {
  expect_split_is_whole(GemmPrecision::kFP8);
}

TEST(DeferredWeightGradients, TheWeightGemmsAreTimedWhereTheyRunUnderTheKindsThatKeptThem) {
  const auto backward_flops = [](bool split) {
    ReducedDeepSeekV3 model = tiny_model(GemmPrecision::kFP64);
    model.forward(kIds, testing::test_batch());
    OpTimer timer;
    model.options.op_timer = &timer;
    timer.begin_step();
    model.backward(0, GradientBuffer::kZeroFirst, split ? WeightGradients::kDeferred : WeightGradients::kWithInputs);
    timer.end_step();
    if (split) {
      timer.begin_step();
      model.backward_weights(0);
      timer.end_step();
    }
    return timer.steps();
  };
  const std::vector<StepTiming> whole = backward_flops(false), split = backward_flops(true);
  ASSERT_EQ(split.size(), 2u);
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpKind kind = static_cast<OpKind>(k);
    // Conserved: the split moves FLOPs between its two ops, it adds none.
    EXPECT_EQ(split[0].kind_flops[k] + split[1].kind_flops[k], whole[0].kind_flops[k]) << op_kind_name(kind);
  }
  // Every backward GEMM op of these kinds is a Dgrad and a Wgrad of one size (2 m n k each): W holds half.
  for (OpKind kind : {OpKind::kProjection, OpKind::kMlpGemm, OpKind::kExpertGemm}) {
    const int k = static_cast<int>(kind);
    EXPECT_GT(whole[0].kind_flops[k], 0.0) << op_kind_name(kind);
    EXPECT_EQ(split[1].kind_flops[k], whole[0].kind_flops[k] / 2) << op_kind_name(kind);
  }
  EXPECT_EQ(split[1].kind_flops[static_cast<int>(OpKind::kAttentionCore)], 0.0);  // the core has no weights
  for (const TimedOp& op : split[1].ops) EXPECT_EQ(op.pass, Pass::kBackward) << op.name;
}

TEST(DeferredWeightGradients, ABackwardWhoseWeightGradientsStillWaitIsRefused) {
  ReducedDeepSeekV3 model = tiny_model(GemmPrecision::kFP64);
  model.forward(kIds, testing::test_batch());
  EXPECT_THROW(model.backward_weights(0), std::logic_error);  // nothing kept yet
  model.backward(0, GradientBuffer::kZeroFirst, WeightGradients::kDeferred);
  EXPECT_THROW(model.backward(0), std::logic_error);  // its W has not run
  model.backward_weights(0);
  EXPECT_THROW(model.backward_weights(0), std::logic_error);  // ran once already
}

}  // namespace
}  // namespace trainsim::kernels::model
