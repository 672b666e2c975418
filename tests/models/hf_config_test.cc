// HuggingFace config.json reading: every preset and every real config of tests/models/data loads, fields map
// as transformers defines them in every common spelling, keys that are not read are classified (irrelevant, or a
// note), and bad input names the file, line and key.
#include "models/hf_config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "models/model_presets.h"
#include "tests/models/model_test_data.h"

namespace trainsim::models {
namespace {

bool has_note(const ModelConfig& m, const std::string& text) {
  return std::any_of(m.notes.begin(), m.notes.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}

TEST(HfConfig, AllPresetsLoad) {
  const std::vector<std::string> names = preset_names();
  EXPECT_EQ(names, (std::vector<std::string>{"deepseek-v2", "deepseek-v2-lite", "deepseek-v3", "llama-3.1-405b",
                                             "llama-3.1-70b", "mixtral-8x7b", "qwen2.5-72b"}));
  for (const std::string& name : names) {
    const ModelConfig m = load_preset(name);
    EXPECT_EQ(m.name, name);
    // Every key of the presets is read or known to be irrelevant: nothing to note.
    EXPECT_TRUE(m.notes.empty()) << name << ": " << (m.notes.empty() ? "" : m.notes.front());
  }
}

TEST(HfConfig, QwenMoeConfigsAreMoeByNumExperts) {
  // Qwen3-MoE names its experts num_experts: read as a dense model before (issue 14).
  for (const char* file : {"qwen3-30b-a3b.json", "qwen3-235b-a22b-2507.json"}) {
    const ModelConfig m = load_data(file);
    EXPECT_TRUE(m.is_moe()) << file;
    EXPECT_EQ(m.moe.routed_experts, 128) << file;
    EXPECT_EQ(m.moe.experts_per_token, 8) << file;
    EXPECT_EQ(m.moe_layer_count(), m.num_layers) << file;  // decoder_sparse_step 1, mlp_only_layers []
    EXPECT_EQ(m.head_dim, 128) << file;
    EXPECT_EQ(m.qk_norm, QkNorm::kPerHead) << file;
    EXPECT_TRUE(m.moe.normalize_top_k) << file;
    EXPECT_FALSE(m.qkv_bias) << file;
    EXPECT_TRUE(m.notes.empty()) << file;  // sliding_window null, use_sliding_window false
  }
  EXPECT_EQ(load_data("qwen3-30b-a3b.json").moe.expert_intermediate_size, 768);
  EXPECT_EQ(load_data("qwen3-235b-a22b-2507.json").moe.expert_intermediate_size, 1536);
}

TEST(HfConfig, OlmoeGptOssAndGpt2Fields) {
  const ModelConfig olmoe = load_data("olmoe-1b-7b-0924.json");
  EXPECT_EQ(olmoe.moe.routed_experts, 64);
  EXPECT_EQ(olmoe.moe.expert_intermediate_size, 1024);  // intermediate_size is the expert width
  EXPECT_EQ(olmoe.qk_norm, QkNorm::kWholeProjection);
  EXPECT_TRUE(olmoe.notes.empty());

  const ModelConfig oss = load_data("gpt-oss-120b.json");
  EXPECT_EQ(oss.moe.routed_experts, 128);
  EXPECT_EQ(oss.moe.experts_per_token, 4);  // experts_per_token and num_experts_per_tok agree
  EXPECT_EQ(oss.head_dim, 64);
  EXPECT_TRUE(oss.qkv_bias && oss.attention_output_bias && oss.mlp_bias && oss.attention_sinks);
  EXPECT_EQ(oss.mlp, MlpKind::kSwiGlu);
  EXPECT_EQ(oss.sliding_window, 128);
  EXPECT_TRUE(has_note(oss, "sliding_window 128: 18 of 36 layers")) << oss.notes.front();
  EXPECT_TRUE(has_note(oss, "swiglu_limit 7"));
  EXPECT_TRUE(has_note(oss, "attention sinks"));

  const ModelConfig gpt2 = load_data("gpt2.json");
  EXPECT_EQ(gpt2.hidden_size, 768);
  EXPECT_EQ(gpt2.num_layers, 12);
  EXPECT_EQ(gpt2.num_heads, 12);
  EXPECT_EQ(gpt2.intermediate_size, 4 * 768);  // n_inner absent: 4 x n_embd
  EXPECT_EQ(gpt2.mlp, MlpKind::kGelu);          // gelu_new: two matrices
  EXPECT_TRUE(gpt2.layer_norm && gpt2.qkv_bias && gpt2.attention_output_bias && gpt2.mlp_bias);
  EXPECT_TRUE(gpt2.tie_word_embeddings);  // GPT2Config's default
  EXPECT_EQ(gpt2.learned_positions, 1024);
  EXPECT_EQ(load_data("gpt2-xl.json").hidden_size, 1600);
}

std::string hf_error_of(const std::string& json) {
  try {
    model_from_hf_json(json, "cfg.json", "m");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

ModelConfig from_json(const std::string& json) { return model_from_hf_json(json, "cfg.json", "m"); }

const std::string kDense = R"("hidden_size": 64, "num_hidden_layers": 4, "vocab_size": 100, "num_attention_heads": 4,
                               "intermediate_size": 128)";

// Dropout in HuggingFace's and Megatron's spellings; GPT-2 trained with 0.1 on all three (its config.json),
// modern configs say 0.0.
TEST(HfConfig, DropoutProbabilitiesInEverySpelling) {
  const ModelConfig gpt2 = load_data("gpt2.json");
  EXPECT_EQ(gpt2.attention_dropout, 0.1);
  EXPECT_EQ(gpt2.hidden_dropout, 0.1);
  EXPECT_EQ(gpt2.embedding_dropout, 0.1);
  EXPECT_EQ(load_data("qwen3-30b-a3b.json").attention_dropout, 0.0);
  const ModelConfig megatron = from_json("{" + kDense + R"(, "attention_dropout": 0.1, "hidden_dropout": 0.2})");
  EXPECT_EQ(megatron.attention_dropout, 0.1);
  EXPECT_EQ(megatron.hidden_dropout, 0.2);
  EXPECT_EQ(from_json("{" + kDense + R"(, "resid_pdrop": null})").hidden_dropout, 0.0);
  EXPECT_EQ(hf_error_of("{" + kDense + R"(, "attn_pdrop": 1})"),
            "cfg.json: attn_pdrop: bad value 1 (expected a probability from 0 up to 1 (not included))");
}

TEST(HfConfig, QwenMoeLayerRulesAndSharedExpert) {
  // Qwen2-MoE-style: num_experts, a shared expert of its own width, MoE every second layer but layer 1.
  const ModelConfig m = from_json("{" + kDense + R"(, "model_type": "qwen2_moe", "num_experts": 8,
      "num_experts_per_tok": 2, "moe_intermediate_size": 32, "shared_expert_intermediate_size": 96,
      "decoder_sparse_step": 2, "mlp_only_layers": [1]})");
  EXPECT_TRUE(m.is_moe());
  EXPECT_EQ(m.moe.shared_experts, 1);
  EXPECT_EQ(m.moe.shared_intermediate_size, 96);
  EXPECT_TRUE(m.qkv_bias);  // Qwen2's q/k/v bias
  // (l + 1) % 2 == 0 gives layers 1 and 3; mlp_only_layers takes layer 1 back.
  EXPECT_FALSE(m.is_moe_layer(0));
  EXPECT_FALSE(m.is_moe_layer(1));
  EXPECT_FALSE(m.is_moe_layer(2));
  EXPECT_TRUE(m.is_moe_layer(3));
}

// Whether training runs the router's balance loss, as transformers' modeling code decides: DeepSeek's
// (modeling_deepseek.py MoEGate) when aux_loss_alpha > 0, DeepseekV3Config's default 0.001 where the key is absent
// (as in the preset, which leaves it out); Mixtral's and Qwen-MoE's when output_router_logits is true (false by
// default, as Mixtral's config.json ships).
TEST(HfConfig, TheBalanceLossRunsWhereTransformersComputesIt) {
  EXPECT_TRUE(load_preset("deepseek-v3").trains_balance_loss());
  EXPECT_FALSE(load_preset("mixtral-8x7b").trains_balance_loss());
  const std::string deepseek = "{" + kDense + R"(, "model_type": "deepseek_v3", "n_routed_experts": 8,
      "num_experts_per_tok": 2, "moe_intermediate_size": 32)";
  EXPECT_TRUE(from_json(deepseek + R"(, "aux_loss_alpha": 0.0001, "seq_aux": false})").trains_balance_loss());
  EXPECT_FALSE(from_json(deepseek + R"(, "aux_loss_alpha": 0})").trains_balance_loss());
  const std::string qwen = "{" + kDense + R"(, "model_type": "qwen2_moe", "num_experts": 8, "num_experts_per_tok": 2)";
  EXPECT_FALSE(from_json(qwen + "}").trains_balance_loss());
  EXPECT_TRUE(from_json(qwen + R"(, "output_router_logits": true})").trains_balance_loss());
  // A weight without experts changes nothing; a bad one is an error naming its key.
  EXPECT_FALSE(from_json("{" + kDense + R"(, "model_type": "deepseek_v3"})").trains_balance_loss());
  EXPECT_EQ(hf_error_of(deepseek + R"(, "aux_loss_alpha": -1})"),
            "cfg.json: aux_loss_alpha: bad value -1 (expected a number >= 0)");
}

TEST(HfConfig, ExpertSpellingsAgree) {
  for (const char* experts : {"num_experts", "num_local_experts", "n_routed_experts"}) {
    for (const char* k : {"num_experts_per_tok", "num_experts_per_token", "experts_per_token"}) {
      const ModelConfig m = from_json("{" + kDense + fmt::format(R"(, "{}": 8, "{}": 2}})", experts, k));
      EXPECT_EQ(m.moe.routed_experts, 8) << experts << " " << k;
      EXPECT_EQ(m.moe.experts_per_token, 2) << experts << " " << k;
    }
  }
  // top_k is experts per token beside experts, and the sampling default of old configs without them.
  EXPECT_EQ(from_json("{" + kDense + R"(, "num_experts": 8, "top_k": 2})").moe.experts_per_token, 2);
  EXPECT_FALSE(from_json("{" + kDense + R"(, "top_k": 50})").is_moe());
}

TEST(HfConfig, ActivationsChooseTheMlp) {
  auto mlp = [](const std::string& extra) { return from_json("{" + kDense + ", " + extra + "}").mlp; };
  EXPECT_EQ(mlp(R"("hidden_act": "silu")"), MlpKind::kSwiGlu);
  EXPECT_EQ(mlp(R"("hidden_act": "swiglu")"), MlpKind::kSwiGlu);
  EXPECT_EQ(mlp(R"("hidden_act": "gelu")"), MlpKind::kGelu);
  EXPECT_EQ(mlp(R"("activation_function": "gelu_new")"), MlpKind::kGelu);
  EXPECT_EQ(mlp(R"("hidden_act": "gelu_pytorch_tanh")"), MlpKind::kGelu);
  EXPECT_EQ(mlp(R"("hidden_act": "relu")"), MlpKind::kRelu);
  EXPECT_EQ(mlp(R"("hidden_activation": "gelu_pytorch_tanh", "model_type": "gemma")"), MlpKind::kGeGlu);
  // GPT-2 spellings, n_inner null: 4 x n_embd.
  const ModelConfig gpt2 = from_json(R"({"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4,
      "n_positions": 128, "n_inner": null, "vocab_size": 100, "activation_function": "gelu_new"})");
  EXPECT_EQ(gpt2.intermediate_size, 256);
  EXPECT_EQ(gpt2.learned_positions, 128);
}

TEST(HfConfig, RoutingWithoutExpertsIsAnErrorNamingTheKey) {
  EXPECT_EQ(hf_error_of("{" + kDense + R"(, "num_experts_per_tok": 2})"),
            "cfg.json: num_experts_per_tok sets MoE routing but the config has no experts (num_experts, "
            "num_local_experts or n_routed_experts missing or 0)");
  EXPECT_NE(hf_error_of("{" + kDense + R"(, "num_experts": 0, "moe_intermediate_size": 32})").find("moe_intermediate_size sets MoE routing"),
            std::string::npos);
  EXPECT_NE(hf_error_of("{" + kDense + R"(, "hidden_act": "tanh"})").find("hidden_act: bad value \"tanh\""),
            std::string::npos);
}

TEST(HfConfig, UnknownKeysAreNotedNeverDropped) {
  const ModelConfig m = from_json("{" + kDense + R"(, "num_expert_groups_per_layer": 4, "favourite_colour": "blue",
      "clip_qkv": 8.0, "qk_layernorm": true, "torch_dtype": "bfloat16", "_attn_implementation": "sdpa"})");
  EXPECT_TRUE(has_note(m, "unknown key 'num_expert_groups_per_layer' looks architectural"));
  EXPECT_TRUE(has_note(m, "ignored as not architectural: favourite_colour"));
  EXPECT_TRUE(has_note(m, "clip_qkv 8"));
  EXPECT_TRUE(has_note(m, "qk_layernorm true"));
  EXPECT_EQ(m.notes.size(), 4u);  // torch_dtype and transformers' private _-keys: known and irrelevant
  // A sliding window switched off, or absent (null), is no note.
  EXPECT_TRUE(from_json("{" + kDense + R"(, "sliding_window": 4096, "use_sliding_window": false})").notes.empty());
  ModelConfig windowed = from_json("{" + kDense + R"(, "sliding_window": 4096})");
  EXPECT_TRUE(has_note(windowed, "4 of 4 layers"));
  // A scenario override of the depth rewords the note rather than adding a second one.
  EXPECT_EQ(apply_hf_field(windowed, "num_hidden_layers", HfValue{8LL}), "");
  EXPECT_TRUE(finalize_model(windowed).empty());
  EXPECT_TRUE(has_note(windowed, "8 of 8 layers"));
  EXPECT_FALSE(has_note(windowed, "4 of 4 layers"));
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

TEST(HfConfig, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(hf_error_of("{\n  \"hidden_size\": 64,\n  oops\n}"), "cfg.json:3:3: not valid JSON (expected a HuggingFace config.json)");
  EXPECT_EQ(hf_error_of("{\"hidden_size\": \"big\"}"), "cfg.json: hidden_size: bad value \"big\" (expected a whole number >= 1)");
  EXPECT_NE(hf_error_of("{\"hidden_size\": 64}").find("num_hidden_layers is missing"), std::string::npos);
  EXPECT_NE(hf_error_of("{\"hidden_size\": 64, \"num_hidden_layers\": 2, \"vocab_size\": 10, \"num_attention_heads\": 6,"
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
