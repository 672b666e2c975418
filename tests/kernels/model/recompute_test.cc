// DeepSeek-V3's recomputation of the RMSNorms and MLA's up-projections (arXiv 2412.19437, section 3.2.3) and of the
// SwiGLU outputs (section 3.3.3) on the tiny config: the same gradients bit for bit as keeping them, and the cache
// smaller by a hand-counted amount.
#include <gtest/gtest.h>

#include "kernels/model/reduced_deepseek_v3.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

const std::vector<int> kIds = {3, 1, 4, 1, 5, 9, 2, 6, 5};  // the test batch's 5 + 4 tokens, vocab 32

struct Run {
  LossReport loss;
  ModelWeights grads;
  size_t bytes = 0;
};

Run run(bool recompute, GemmPrecision precision) {
  ReducedDeepSeekV3 model(testing::tiny_config(), 1);
  model.weights = testing::test_weights(model.config(), 3);
  model.options.gemm_precision = precision;
  model.options.deepseek_recomputation = recompute;
  Run r;
  r.loss = model.forward(kIds, testing::test_batch());
  r.bytes = model.recomputed_outputs_cached_bytes();
  r.grads = model.backward();
  return r;
}

void expect_same_bits(GemmPrecision precision) {
  Run kept = run(false, precision), recomputed = run(true, precision);
  EXPECT_EQ(kept.loss.total_loss, recomputed.loss.total_loss);
  int tensors = 0;
  for_each_parameter(kept.grads, recomputed.grads,
                     [&](const std::string& name, int, const std::vector<double>& a, const std::vector<double>& b) {
                       ++tensors;
                       ASSERT_EQ(a.size(), b.size()) << name;
                       for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << name << "[" << i << "]";
                     });
  EXPECT_EQ(tensors, 74);  // every tensor of the tiny model (NOTES.md)
}

// Exact equality: recomputation runs the same functions on the same inputs in the same order, so every value
// backward reads is the one forward would have kept.
TEST(Recompute, GradientsEqualKeepingThemBitForBitFp64) { expect_same_bits(GemmPrecision::kFP64); }
TEST(Recompute, GradientsEqualKeepingThemBitForBitBf16) { expect_same_bits(GemmPrecision::kBF16); }

TEST(Recompute, CacheSmallerByTheDroppedOutputs) {
  // Per token and block (tiny: hidden 16, 2 heads, q_lora 6, kv_lora 4, qk 4 + 2, v 4). MLA: c_q 6 + c_kv 4
  // + q 2 x 6 + k 2 x 6 + v 2 x 4 = 42 doubles. The block's norms: attn_in 16 + its copy as MLA's input 16
  // + ffn_in 16, and the FFN's copies of ffn_in: the dense MLP's 16, or the MoE's 16 + its shared expert's 16.
  // The SwiGLU outputs (section 3.3.3): the dense MLP's intermediate 40; in a MoE block the shared expert's 4
  // (moe_intermediate 4 x 1 shared) and the 2 routed experts' 4 each a token chose, 12.
  // Dense block 42 + 48 + 16 + 40 = 146, MoE block 42 + 48 + 32 + 12 = 134. Tokens: 9 in layer 0 (dense) and
  // layer 1 (MoE), 4 + 3 = 7 in the MTP depth-1 MoE block (each sequence loses its first token):
  // 9 x 146 + 9 x 134 + 7 x 134 = 3,458 doubles = 27,664 bytes.
  EXPECT_EQ(run(false, GemmPrecision::kFP64).bytes - run(true, GemmPrecision::kFP64).bytes, 27664u);
}

}  // namespace
}  // namespace trainsim::kernels::model
