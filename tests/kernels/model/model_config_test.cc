// The shipped reduced configs load with DeepSeek-V3's structure; every kind of bad field names file, line and
// field and what was expected.
#include "kernels/model/model_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace trainsim::kernels::model {
namespace {

std::string config_path(const std::string& name) {
  return std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/" + name;
}

TEST(ModelConfig, ShippedConfigsLoadWithDeepSeekV3Structure) {
  for (const char* name :
       {"reduced-deepseek-v3-tiny.json", "reduced-deepseek-v3-small.json", "reduced-deepseek-v3-gpu.json"}) {
    SCOPED_TRACE(name);
    const ModelConfig c = load_model_config(config_path(name));
    EXPECT_GE(c.first_k_dense_replace, 1);
    EXPECT_LT(c.first_k_dense_replace, c.num_hidden_layers);
    EXPECT_EQ(c.qk_rope_head_dim * 2, c.qk_nope_head_dim);  // DeepSeek-V3: 64 = 128 / 2
    EXPECT_EQ(c.v_head_dim, c.qk_nope_head_dim);
    EXPECT_LT(c.kv_lora_rank, c.q_lora_rank);
    EXPECT_EQ(c.n_shared_experts, 1);
    EXPECT_EQ(c.topk_group * 2, c.n_group);  // V3 keeps 4 of 8 groups
    EXPECT_DOUBLE_EQ(c.routed_scaling_factor, 2.5);
    EXPECT_TRUE(c.norm_topk_prob);
    EXPECT_EQ(c.num_nextn_predict_layers, 1);
    EXPECT_DOUBLE_EQ(c.balance_loss_alpha, 0.0001);  // aux_loss_alpha: DeepSeek-V3's pre-training (report 4.2)
    EXPECT_EQ(routing_rule_error(c.routing_rule()), nullptr);
  }
  const ModelConfig tiny = load_model_config(config_path("reduced-deepseek-v3-tiny.json"));
  EXPECT_EQ(tiny.hidden_size, 16);
  EXPECT_EQ(tiny.n_routed_experts, 8);
  EXPECT_EQ(tiny.mla_dims().qk_dim(), 6);
  EXPECT_EQ(load_model_config(config_path("reduced-deepseek-v3-small.json")).vocab_size, 256);  // byte-level
  // The CUDA back-end's config: the head dims kernels/mla's attention kernels are built for (kAttnQkDim 192,
  // kAttnVDim 128: DeepSeek-V3's own).
  const ModelConfig gpu = load_model_config(config_path("reduced-deepseek-v3-gpu.json"));
  EXPECT_EQ(gpu.mla_dims().qk_dim(), 192);
  EXPECT_EQ(gpu.v_head_dim, 128);
}

TEST(ModelConfig, TheFullDeepSeekV3ConfigReadsToo) {
  const std::string v3 = R"({"vocab_size": 129280, "hidden_size": 7168, "intermediate_size": 18432,
  "moe_intermediate_size": 2048, "num_hidden_layers": 61, "first_k_dense_replace": 3, "num_attention_heads": 128,
  "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
  "n_routed_experts": 256, "n_shared_experts": 1, "num_experts_per_tok": 8, "n_group": 8, "topk_group": 4,
  "scoring_func": "sigmoid", "norm_topk_prob": true, "routed_scaling_factor": 2.5, "num_nextn_predict_layers": 1,
  "rms_norm_eps": 1e-06, "rope_theta": 10000, "rope_scaling": {"type": "yarn", "factor": 40}})";
  const ModelConfig c = model_config_from_json(parse_json(v3, "v3.json"), "v3.json");
  EXPECT_EQ(c.mla_dims().kv_down_dim(), 576);
  const RoutingRule rule = c.routing_rule();
  EXPECT_EQ(rule.num_experts, kDeepSeekV3Routing.num_experts);
  EXPECT_EQ(rule.top_k, kDeepSeekV3Routing.top_k);
  EXPECT_EQ(rule.num_groups, kDeepSeekV3Routing.num_groups);
  EXPECT_EQ(rule.top_k_groups, kDeepSeekV3Routing.top_k_groups);
}

// The tiny config's text with one field's value replaced (the field must appear once, on its own line).
std::string tiny_with(const std::string& field, const std::string& value) {
  std::ifstream in(config_path("reduced-deepseek-v3-tiny.json"));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string key = "\"" + field + "\": ";
  const size_t at = text.find(key);
  const size_t end = text.find_first_of(",\n", at + key.size());
  return text.substr(0, at + key.size()) + value + text.substr(end);
}

std::string error_of(const std::string& text) {
  try {
    model_config_from_json(parse_json(text, "tiny.json"), "tiny.json");
  } catch (const JsonError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ModelConfig, BadFieldsNameFileLineFieldAndExpectation) {
  // Line numbers: the tiny config's fields start on line 4 (vocab_size) and go down one per line.
  EXPECT_EQ(error_of(tiny_with("hidden_size", "\"16\"")),
            "tiny.json:5: hidden_size: found \"16\", expected a whole number >= 1");
  EXPECT_EQ(error_of(tiny_with("hidden_size", "16.5")),
            "tiny.json:5: hidden_size: found 16.5, expected a whole number >= 1");
  EXPECT_EQ(error_of(tiny_with("n_shared_experts", "-1")),
            "tiny.json:17: n_shared_experts: found -1, expected a whole number >= 0");
  EXPECT_EQ(error_of(tiny_with("norm_topk_prob", "1")),
            "tiny.json:23: norm_topk_prob: found 1, expected true or false");
  EXPECT_EQ(error_of(tiny_with("scoring_func", "\"softmax\"")),
            "tiny.json:22: scoring_func: found \"softmax\", expected \"sigmoid\"");
  EXPECT_EQ(error_of(tiny_with("routed_scaling_factor", "0")),
            "tiny.json:24: routed_scaling_factor: found 0, expected a positive number");
  EXPECT_EQ(error_of(tiny_with("first_k_dense_replace", "3")),
            "tiny.json:9: first_k_dense_replace: found 3, expected at most num_hidden_layers (2)");
  EXPECT_EQ(error_of(tiny_with("qk_rope_head_dim", "3")),
            "tiny.json:14: qk_rope_head_dim: found an odd number, expected an even one (RoPE rotates pairs)");
  EXPECT_EQ(error_of(tiny_with("n_group", "3")),
            "tiny.json:16: n_routed_experts: the routing fields (n_routed_experts, num_experts_per_tok, n_group, "
            "topk_group) break a rule: num_groups must divide num_experts");
  EXPECT_EQ(error_of(tiny_with("aux_loss_alpha", "-0.5")),
            "tiny.json:25: aux_loss_alpha: found -0.5, expected a number >= 0");
  EXPECT_EQ(error_of(tiny_with("seq_aux", "false")),
            "tiny.json:26: seq_aux: found false, expected true: the model's balance loss is sequence-wise "
            "(sequence_balance_loss.h)");
  EXPECT_EQ(error_of(tiny_with("seq_aux", "1")), "tiny.json:26: seq_aux: found 1, expected true or false");
  EXPECT_EQ(error_of("{\"hidden_size\": 4}"), "tiny.json:1: vocab_size: missing, expected a whole number >= 2");
  EXPECT_EQ(error_of("[]"), "tiny.json:1: the top level: found an array, expected an object of config fields");
}

}  // namespace
}  // namespace trainsim::kernels::model
