// HuggingFace config.json reading: every preset loads, fields map as transformers defines them, and bad
// input names the file, line and key.
#include "models/hf_config.h"

#include <gtest/gtest.h>

#include "models/model_presets.h"

namespace trainsim::models {
namespace {

TEST(HfConfig, AllPresetsLoad) {
  const std::vector<std::string> names = preset_names();
  EXPECT_EQ(names, (std::vector<std::string>{"deepseek-v2", "deepseek-v2-lite", "deepseek-v3", "llama-3.1-405b",
                                             "llama-3.1-70b", "mixtral-8x7b", "qwen2.5-72b"}));
  for (const std::string& name : names) EXPECT_EQ(load_preset(name).name, name);
}

TEST(HfConfig, DeepSeekV3Fields) {
  const ModelConfig m = load_preset("deepseek-v3");
  EXPECT_EQ(m.attention, AttentionKind::kMultiHeadLatent);
  EXPECT_EQ(m.num_layers, 61);
  EXPECT_EQ(m.moe.routed_experts, 256);
  EXPECT_EQ(m.moe.shared_experts, 1);
  EXPECT_EQ(m.moe.experts_per_token, 8);
  EXPECT_EQ(m.moe.first_dense_layers, 3);
  EXPECT_EQ(m.moe.expert_groups, 8);
  EXPECT_EQ(m.moe.groups_per_token, 4);
  EXPECT_EQ(m.moe.scoring, RouterScoring::kSigmoid);
  EXPECT_DOUBLE_EQ(m.moe.routed_scaling_factor, 2.5);
  EXPECT_EQ(m.mtp_depth, 1);
  EXPECT_EQ(m.moe_layer_count(), 58);
  EXPECT_EQ(m.mla.qk_head_dim(), 192);
}

TEST(HfConfig, MixtralAndDenseModels) {
  const ModelConfig mixtral = load_preset("mixtral-8x7b");
  EXPECT_EQ(mixtral.moe.routed_experts, 8);
  EXPECT_EQ(mixtral.moe.expert_intermediate_size, 14336);
  EXPECT_EQ(mixtral.moe_layer_count(), 32);
  EXPECT_EQ(mixtral.attention, AttentionKind::kGroupedQuery);
  const ModelConfig llama = load_preset("llama-3.1-405b");
  EXPECT_FALSE(llama.is_moe());
  EXPECT_EQ(llama.num_kv_heads, 8);
  EXPECT_EQ(llama.head_dim, 128);
  EXPECT_TRUE(load_preset("qwen2.5-72b").qkv_bias);
  EXPECT_EQ(load_preset("deepseek-v2-lite").mla.q_lora_rank, 0);
}

std::string error_of(const std::string& json) {
  try {
    model_from_hf_json(json, "cfg.json", "m");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(HfConfig, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("{\n  \"hidden_size\": 64,\n  oops\n}"), "cfg.json:3:3: not valid JSON (expected a HuggingFace config.json)");
  EXPECT_EQ(error_of("{\"hidden_size\": \"big\"}"), "cfg.json: hidden_size: bad value \"big\" (expected a whole number >= 1)");
  EXPECT_NE(error_of("{\"hidden_size\": 64}").find("num_hidden_layers is missing"), std::string::npos);
  EXPECT_NE(error_of("{\"hidden_size\": 64, \"num_hidden_layers\": 2, \"vocab_size\": 10, \"num_attention_heads\": 6,"
                     " \"num_key_value_heads\": 4, \"intermediate_size\": 8}")
                .find("not a multiple of num_key_value_heads"),
            std::string::npos);
}

TEST(HfConfig, UnknownPresetSuggestsTheNearest) {
  try {
    load_preset("deepsek-v3");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'deepseek-v3'?"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::models
