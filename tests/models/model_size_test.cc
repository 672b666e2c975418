// Parameter counts, KV cache and training FLOPs against published figures: DeepSeek-V3 tech report (671B
// total, 37B active, MTP 11.5B) and the ISCA 2025 paper (KV bytes per token, GFLOPs per token at s=4096);
// every figure with its source in docs/sources.md.
#include "models/model_size.h"

#include <gtest/gtest.h>

#include "models/model_presets.h"

namespace trainsim::models {
namespace {

// Published figures are rounded to the digit they show; that half-unit is the tolerance unless a comment
// names a further, stated ambiguity (docs/sources.md#deepseek-v3-parameters, #model-sizes, #training-flops).
TEST(ModelSize, DeepSeekV3ParametersMatchThePublishedCounts) {
  const ParameterCounts c = count_parameters(load_preset("deepseek-v3"));
  EXPECT_NEAR(c.total, 671e9, 0.5e9);
  // "37B activated": the report does not say whether the embedding table (7168 x 129280 = 0.93B, looked up,
  // not multiplied) counts as activated, so its size widens the band.
  EXPECT_NEAR(c.active, 37e9, 0.5e9 + 7168.0 * 129280);
  // "11.5B" for the MTP module: whether it counts the module's projection of [hidden; embedding] to hidden
  // (2 x 7168 x 7168 = 0.10B) is not said; that matrix widens the band.
  EXPECT_NEAR(c.mtp, 11.5e9, 0.05e9 + 2.0 * 7168 * 7168);
}

TEST(ModelSize, OtherModelsMatchTheirPublishedSizes) {
  EXPECT_NEAR(count_parameters(load_preset("deepseek-v2")).total, 236e9, 0.5e9);   // DeepSeek-V2 paper
  EXPECT_NEAR(count_parameters(load_preset("deepseek-v2")).active, 21e9, 0.5e9);
  EXPECT_NEAR(count_parameters(load_preset("deepseek-v2-lite")).total, 15.7e9, 0.05e9);
  EXPECT_NEAR(count_parameters(load_preset("qwen2.5-72b")).total, 72.7e9, 0.05e9);  // model card
  EXPECT_NEAR(count_parameters(load_preset("mixtral-8x7b")).total, 46.7e9, 0.05e9);  // Mistral AI
  EXPECT_NEAR(count_parameters(load_preset("mixtral-8x7b")).active, 12.9e9, 0.05e9);
  // Llama-3.1: the model cards say only "405B" and "70B"; checked against hand counts from the configs.
  // Per layer: attention 2 h^2 + 2 h (kv_heads x 128), MLP 3 h ffn, two norms h; plus untied embedding and
  // head 2 V h and the final norm h.
  auto llama = [](double h, double kv, double ffn, double layers, double vocab) {
    return layers * (2 * h * h + 2 * h * kv * 128 + 3 * h * ffn + 2 * h) + 2 * vocab * h + h;
  };
  EXPECT_DOUBLE_EQ(count_parameters(load_preset("llama-3.1-405b")).total, llama(16384, 8, 53248, 126, 128256));  // 405.85B
  EXPECT_DOUBLE_EQ(count_parameters(load_preset("llama-3.1-70b")).total, llama(8192, 8, 28672, 80, 128256));     // 70.55B
}

TEST(ModelSize, KvCacheBytesPerTokenAreExact) {
  EXPECT_EQ(load_preset("deepseek-v3").kv_cache_bytes_per_token(), 70272.0);
  EXPECT_EQ(load_preset("qwen2.5-72b").kv_cache_bytes_per_token(), 327680.0);
  EXPECT_EQ(load_preset("llama-3.1-405b").kv_cache_bytes_per_token(), 516096.0);
}

TEST(ModelSize, TrainingFlopsPerTokenMatchTheIscaTable) {
  // The table gives whole GFLOPs: DeepSeek-V3 and V2 to that rounding.
  EXPECT_NEAR(train_flops_per_token(load_preset("deepseek-v3"), 4096), 250e9, 0.5e9);
  EXPECT_NEAR(train_flops_per_token(load_preset("deepseek-v2"), 4096), 155e9, 0.5e9);
  // Llama-3.1 405B lands 1% above 2448: the paper does not state how it counts attention, and the gap is
  // half of the causal attention term (126 layers x 2 products x 2 x 16384 x 2048 x 3 = 50.7 GFLOPs). 2%
  // covers that convention and nothing more.
  EXPECT_NEAR(train_flops_per_token(load_preset("llama-3.1-405b"), 4096) / 2448e9, 1.0, 0.02);
}

// The MTP module by hand: one MoE layer, the projection of [hidden; embedding] and the shared output head,
// forward 2 FLOPs per weight plus causal attention, training 3x forward.
TEST(ModelSize, MtpAddsItsLayerAndHeadToTheFlops) {
  const ModelConfig v3 = load_preset("deepseek-v3");
  const double main = train_flops_per_token(v3, 4096), with_mtp = train_flops_per_token(v3, 4096, true);
  const double h = 7168;
  const double mla = h * 1536 + 1536 * 128 * 192 + h * (512 + 64) + 512 * 128 * (128 + 128) + 128 * 128 * h;
  const double experts = (8 + 1) * 3 * h * 2048;  // 8 routed and 1 shared
  const double router = h * 256, projection = 2 * h * h, head = h * 129280;
  const double attention = 2 * 128 * (192 + 128) * 2048.0;  // QK^T and AV over a mean causal context of s/2
  const double expected = 3 * (2 * (mla + experts + router + projection + head) + attention);  // 10.19 GFLOPs
  // 0.1%: the hand count leaves out norms, SwiGLU, softmax and top-k, each a few FLOPs per hidden element.
  EXPECT_NEAR(with_mtp - main, expected, 1e-3 * expected);
}

}  // namespace
}  // namespace trainsim::models
