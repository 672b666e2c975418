// Parameter counts, KV cache and training FLOPs against published figures: DeepSeek-V3 tech report (671B
// total, 37B active, MTP 11.5B) and the ISCA 2025 paper (KV bytes per token, GFLOPs per token at s=4096).
#include "models/model_size.h"

#include <gtest/gtest.h>

#include "models/model_presets.h"

namespace trainsim::models {
namespace {

TEST(ModelSize, DeepSeekV3ParametersMatchThePublishedCounts) {
  const ParameterCounts c = count_parameters(load_preset("deepseek-v3"));
  EXPECT_NEAR(c.total / 671e9, 1.0, 0.005) << c.total;
  EXPECT_NEAR(c.active / 37e9, 1.0, 0.03) << c.active;
  EXPECT_NEAR(c.mtp / 11.5e9, 1.0, 0.03) << c.mtp;  // "the MTP module adds 11.5B (685B on the hub)"
}

TEST(ModelSize, OtherModelsMatchTheirPublishedSizes) {
  // Published sizes: DeepSeek-V2 236B/21B, Llama-3.1 405B and 70B, Qwen2.5 72.7B, Mixtral 46.7B/12.9B.
  EXPECT_NEAR(count_parameters(load_preset("deepseek-v2")).total / 236e9, 1.0, 0.01);
  EXPECT_NEAR(count_parameters(load_preset("deepseek-v2")).active / 21e9, 1.0, 0.03);
  EXPECT_NEAR(count_parameters(load_preset("llama-3.1-405b")).total / 405.8e9, 1.0, 0.005);
  EXPECT_NEAR(count_parameters(load_preset("llama-3.1-70b")).total / 70.6e9, 1.0, 0.005);
  EXPECT_NEAR(count_parameters(load_preset("qwen2.5-72b")).total / 72.7e9, 1.0, 0.005);
  EXPECT_NEAR(count_parameters(load_preset("mixtral-8x7b")).total / 46.7e9, 1.0, 0.005);
  EXPECT_NEAR(count_parameters(load_preset("mixtral-8x7b")).active / 12.9e9, 1.0, 0.01);
  EXPECT_NEAR(count_parameters(load_preset("deepseek-v2-lite")).total / 15.7e9, 1.0, 0.01);
}

TEST(ModelSize, KvCacheBytesPerTokenAreExact) {
  EXPECT_EQ(load_preset("deepseek-v3").kv_cache_bytes_per_token(), 70272.0);
  EXPECT_EQ(load_preset("qwen2.5-72b").kv_cache_bytes_per_token(), 327680.0);
  EXPECT_EQ(load_preset("llama-3.1-405b").kv_cache_bytes_per_token(), 516096.0);
}

TEST(ModelSize, TrainingFlopsPerTokenMatchTheIscaTable) {
  EXPECT_NEAR(train_flops_per_token(load_preset("deepseek-v3"), 4096) / 250e9, 1.0, 0.02);
  EXPECT_NEAR(train_flops_per_token(load_preset("deepseek-v2"), 4096) / 155e9, 1.0, 0.02);
  EXPECT_NEAR(train_flops_per_token(load_preset("llama-3.1-405b"), 4096) / 2448e9, 1.0, 0.02);
}

TEST(ModelSize, MtpAddsItsLayerAndHeadToTheFlops) {
  const ModelConfig v3 = load_preset("deepseek-v3");
  const double main = train_flops_per_token(v3, 4096), with_mtp = train_flops_per_token(v3, 4096, true);
  EXPECT_GT(with_mtp, main * 1.03);
  EXPECT_LT(with_mtp, main * 1.06);
}

}  // namespace
}  // namespace trainsim::models
