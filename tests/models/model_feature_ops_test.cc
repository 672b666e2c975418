// The model features priced as ops, by hand: LayerNorm (layer_norms.h), biases' gradients (linear_biases.h),
// learned positions (position_embeddings.h), QK-norm (qk_norm_ops.h) and sliding-window attention
// (attention_window.h), each checked in the op catalog on the published config that has it.
#include <gtest/gtest.h>

#include <stdexcept>

#include "models/attention_window.h"
#include "models/hf_config.h"
#include "models/layer_norms.h"
#include "models/model_presets.h"
#include "models/model_size.h"
#include "models/op_catalog.h"
#include "tests/models/model_test_data.h"

namespace trainsim::models {
namespace {

OpContext bf16_context(int sequence_length) {
  OpContext c;
  c.sequence_length = sequence_length;
  c.precision = precision_policy(TrainingPrecision::kBf16);
  return c;
}

// Per element: RMSNorm 4 FLOPs forward (square, sum, x rstd, x g), 8 backward; LayerNorm adds the mean's sum,
// the centring and the shift forward (7), and backward the centring, the mean of g dy and its subtraction,
// and the bias gradient's column sum (12). Bytes: x read and y written forward, x and dy read and dx written
// backward, 2 bytes each; kept: x (BF16) and FP32 statistics per row (rstd; LayerNorm also the mean).
TEST(ModelFeatureOps, LayerNormFlopsAndBytesByHand) {
  const double rows = 1024, dim = 768, e = rows * dim;
  const NormCost ln = norm_cost(NormKind::kLayer, rows, dim);
  EXPECT_DOUBLE_EQ(ln.forward_flops, 7 * e);
  EXPECT_DOUBLE_EQ(ln.backward_flops, 12 * e);
  EXPECT_DOUBLE_EQ(ln.forward_bytes, 4 * e);
  EXPECT_DOUBLE_EQ(ln.backward_bytes, 6 * e);
  EXPECT_DOUBLE_EQ(ln.saved_bytes, 2 * e + 8 * rows);
  const NormCost rms = norm_cost(NormKind::kRms, rows, dim);
  EXPECT_DOUBLE_EQ(rms.forward_flops, 4 * e);
  EXPECT_DOUBLE_EQ(rms.saved_bytes, 2 * e + 4 * rows);
  // GPT-2's layers use it.
  const LayerOps gpt2 = build_layer_ops(load_data("gpt2.json"), LayerKind::kDense, bf16_context(1024));
  EXPECT_DOUBLE_EQ(op_named(gpt2, "attn.norm").flops, 7 * e);
  EXPECT_DOUBLE_EQ(op_named(gpt2, "mlp.norm.bwd").flops, 12 * e);
}

// GPT-2: every projection has a bias; its gradient sums dY over the 1024 tokens: rows x n adds, dY read in
// BF16 and the n FP32 sums written. The forward add is in the GEMM's epilogue: no op.
TEST(ModelFeatureOps, BiasGradientsAreColumnSumsOfDy) {
  const double rows = 1024, h = 768;
  const LayerOps gpt2 = build_layer_ops(load_data("gpt2.json"), LayerKind::kDense, bf16_context(1024));
  for (auto [name, n] : {std::pair{"attn.qkv_proj.bias_grad", 3 * h}, {"attn.o_proj.bias_grad", h},
                         {"mlp.up.bias_grad", 4 * h}, {"mlp.down.bias_grad", h}}) {
    const Op& op = op_named(gpt2, name);
    EXPECT_DOUBLE_EQ(op.flops, rows * n) << name;
    EXPECT_DOUBLE_EQ(op.hbm_bytes, rows * n * 2 + n * 4) << name;
    EXPECT_EQ(op.pass, Pass::kBackwardWeight) << name;
  }
  // Llama has none.
  const LayerOps llama = build_layer_ops(load_preset("llama-3.1-70b"), LayerKind::kDense, bf16_context(1024));
  for (const Op& op : llama.ops) EXPECT_EQ(op.name.find("bias_grad"), std::string::npos) << op.name;
  // GPT-OSS's experts carry biases: the grouped GEMMs' gradients, per local expert.
  const LayerOps oss = build_layer_ops(load_data("gpt-oss-120b.json"), LayerKind::kMoe, bf16_context(1024));
  EXPECT_NE(find_op(oss, "moe.experts.gate_up.bias_grad"), nullptr);
  EXPECT_TRUE(op_named(oss, "moe.experts.down.bias_grad").routed);
  EXPECT_DOUBLE_EQ(op_named(oss, "moe.gate.bias_grad").flops, 1024.0 * 128);  // the router's bias over 128 experts
}

// GPT-2's wpe: forward reads the position rows and the token embeddings and writes their sum (3 x rows x h x 2
// bytes, one add each); backward scatter-adds dY into the FP32 table gradient (dY read, the rows read and written).
TEST(ModelFeatureOps, LearnedPositionsAreLookedUpAndScatterAdded) {
  const double rows = 1024, h = 768;
  const LayerOps embed = build_layer_ops(load_data("gpt2.json"), LayerKind::kEmbedding, bf16_context(1024));
  EXPECT_DOUBLE_EQ(op_named(embed, "embed.positions").flops, rows * h);
  EXPECT_DOUBLE_EQ(op_named(embed, "embed.positions").hbm_bytes, 3 * rows * h * 2);
  EXPECT_DOUBLE_EQ(op_named(embed, "embed.positions.scatter_add").hbm_bytes, rows * h * (2 + 8));
  const LayerOps rotary = build_layer_ops(load_preset("llama-3.1-70b"), LayerKind::kEmbedding, bf16_context(1024));
  EXPECT_EQ(find_op(rotary, "embed.positions"), nullptr);
}

// Qwen3-30B-A3B normalizes each of its 32 query and 4 key heads of 128 (RMSNorm, 4 FLOPs per value forward).
TEST(ModelFeatureOps, QkNormIsANormOnQueriesAndKeys) {
  const double rows = 4096, values = rows * (32 + 4) * 128;
  const LayerOps qwen = build_layer_ops(load_data("qwen3-30b-a3b.json"), LayerKind::kMoe, bf16_context(4096));
  EXPECT_DOUBLE_EQ(op_named(qwen, "attn.qk_norm").flops, 4 * values);
  EXPECT_DOUBLE_EQ(op_named(qwen, "attn.qk_norm").hbm_bytes, 4 * values);
  EXPECT_DOUBLE_EQ(op_named(qwen, "attn.qk_norm.bwd").flops, 8 * values);
  EXPECT_EQ(find_op(build_layer_ops(load_preset("llama-3.1-70b"), LayerKind::kDense, bf16_context(4096)), "attn.qk_norm"),
            nullptr);
}

// Query i attends to min(i + 1, w) keys: s = 4096, w = 128 gives 128 x 129 / 2 + (4096 - 128) x 128 = 516,160
// pairs against 4096 x 4097 / 2 = 8,390,656 causal.
TEST(ModelFeatureOps, WindowedCausalAttentionPairsByHand) {
  EXPECT_DOUBLE_EQ(attended_pairs(4096, 128), 516'160.0);
  EXPECT_DOUBLE_EQ(attended_pairs(4096, 0), 8'390'656.0);
  EXPECT_DOUBLE_EQ(attended_pairs(4096, 4096), 8'390'656.0);
  EXPECT_DOUBLE_EQ(attended_pairs(4096, 10000), 8'390'656.0);
  EXPECT_DOUBLE_EQ(attended_pairs(5, 2), 1 + 2 + 2 + 2 + 2);
}

// GPT-OSS-120B: 18 of its 36 layers slide over 128 tokens (layer_types), the others attend in full: the mean
// is (516,160 + 8,390,656) / 2 = 4,453,408 pairs. 64 heads of 64: forward 2 x 64 x pairs x (64 + 64) FLOPs.
TEST(ModelFeatureOps, GptOssAlternatingWindowsPriceTheMeanPairs) {
  const ModelConfig oss = load_data("gpt-oss-120b.json");
  EXPECT_DOUBLE_EQ(mean_attended_pairs(oss, 4096), 4'453'408.0);
  EXPECT_DOUBLE_EQ(attention_core_flops_per_token(oss, 4096), 2.0 * 64 * 4'453'408.0 / 4096 * 128);
  // The op catalog's one core op per layer kind runs at the window giving that mean, rounded to a whole token:
  // the pairs move by under 0.5 x (s - w) of 4.45M, so within 1e-3.
  const LayerOps layer = build_layer_ops(oss, LayerKind::kMoe, bf16_context(4096));
  EXPECT_NEAR(op_named(layer, "attn.core").flops / (2.0 * 64 * 4'453'408.0 * 128), 1.0, 1e-3);
  const AttentionDims& shape = std::get<AttentionDims>(op_named(layer, "attn.core").shape);
  EXPECT_EQ(shape.window, 1290);  // (s + 1/2) - sqrt((s + 1/2)^2 - 2 x 4,453,408) = 1290.35
  // A model without a window keeps its full causal core.
  const LayerOps llama = build_layer_ops(load_preset("llama-3.1-70b"), LayerKind::kDense, bf16_context(4096));
  EXPECT_EQ(std::get<AttentionDims>(op_named(llama, "attn.core").shape).window, 0);
}

}  // namespace
}  // namespace trainsim::models
