// Parameter counts, KV cache and training FLOPs against published figures: DeepSeek-V3 tech report (671B
// total, 37B active, MTP 11.5B), the ISCA 2025 paper (KV bytes per token, GFLOPs per token at s=4096), the
// Qwen3 technical report and model cards, the OLMoE paper, GPT-2's parameter counts and the GPT-OSS model card;
// every figure with its source in docs/sources.md or tests/models/data/SOURCES.md.
#include "models/model_size.h"

#include <gtest/gtest.h>

#include <string>

#include "models/hf_config.h"
#include "models/model_presets.h"
#include "tests/models/model_test_data.h"

namespace trainsim::models {
namespace {

// A GPT-2-style config.json (GPT-2 and GPT-3: LayerNorm, biases, GELU MLP of 4h, tied head, learned positions).
ModelConfig gpt_config(int hidden, int layers, int heads, int positions) {
  const std::string json = R"({"model_type": "gpt2", "vocab_size": 50257, "activation_function": "gelu_new", "n_embd": )" +
                           std::to_string(hidden) + R"(, "n_layer": )" + std::to_string(layers) + R"(, "n_head": )" +
                           std::to_string(heads) + R"(, "n_positions": )" + std::to_string(positions) + "}";
  return model_from_hf_json(json, "gpt", "gpt");
}

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

// HuggingFace's safetensors totals of the meta-llama/Llama-3.1-{8B,70B,405B} checkpoints (the hub's
// "Model size" and its API's safetensors.total; docs/sources.md#model-sizes), exact.
TEST(ModelSize, Llama31MatchesHuggingFacesCounts) {
  EXPECT_EQ(count_parameters(load_preset("llama-3.1-405b")).total, 405'853'388'800.0);
  EXPECT_EQ(count_parameters(load_preset("llama-3.1-70b")).total, 70'553'706'496.0);
  // Llama-3.1-8B's config.json: h 4096, 32 layers, 32 heads, 8 KV heads, ffn 14336, vocab 128256, untied.
  const ModelConfig eight = model_from_hf_json(
      R"({"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
          "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256, "hidden_act": "silu",
          "tie_word_embeddings": false})",
      "llama-3.1-8b", "llama-3.1-8b");
  EXPECT_EQ(count_parameters(eight).total, 8'030'261'248.0);
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

// Qwen3-MoE by hand from its config.json (Qwen3MoeDecoderLayer): per layer two RMSNorms (2h), q/k/v/o
// (2 h x heads*128 + 2 h x 4*128), q/k norms over the head dim (2 x 128), the router h x 128 and 128 or 8 SwiGLU
// experts of 3 h x w; untied embedding and head 2 V h, the final norm h.
double qwen3_moe(double h, double heads, double w, double layers, double experts) {
  const double attention = 2 * h * heads * 128 + 2 * h * 4 * 128 + 2 * 128;
  return layers * (2 * h + attention + h * 128 + experts * 3 * h * w) + 2 * 151936.0 * h + h;
}

TEST(ModelSize, Qwen3MoeMatchesTheTechReport) {
  const ParameterCounts small = count_parameters(load_data("qwen3-30b-a3b.json"));
  EXPECT_DOUBLE_EQ(small.total, qwen3_moe(2048, 32, 768, 48, 128));  // 30.53B
  EXPECT_DOUBLE_EQ(small.active, qwen3_moe(2048, 32, 768, 48, 8));   // 3.35B
  // The report and model card: 30.5B total, 3.3B activated, 29.9B non-embedding. Half a unit of the last digit
  // for the total; the 3.3B sits under the hand count 3.353B, so the card truncates to 0.1B (its 30.5B and
  // 29.9B agree with truncating too): [3.3B, 3.4B).
  EXPECT_NEAR(small.total, 30.5e9, 0.05e9);
  EXPECT_NEAR(small.total - 2 * 151936.0 * 2048, 29.9e9, 0.05e9);
  EXPECT_GE(small.active, 3.3e9);
  EXPECT_LT(small.active, 3.4e9);
  const ParameterCounts large = count_parameters(load_data("qwen3-235b-a22b-2507.json"));
  EXPECT_DOUBLE_EQ(large.total, qwen3_moe(4096, 64, 1536, 94, 128));  // 235.09B
  EXPECT_NEAR(large.total, 235e9, 0.5e9);   // "235B": whole billions
  EXPECT_NEAR(large.active, 22e9, 0.5e9);   // "22B": whole billions; hand count 22.19B
}

TEST(ModelSize, OlmoeMatchesThePaper) {
  // OLMoE paper: 6.9B total, 1.3B active; half a unit of the last digit. By hand (OlmoeDecoderLayer): MHA
  // 4 h^2, q/k norms over the whole projections 2h, two norms 2h, router 64h, 64 or 8 experts of 3 h x 1024;
  // untied 2 V h, final norm h.
  const double h = 2048, per_layer = 4 * h * h + 2 * h + 2 * h + 64 * h;
  const ParameterCounts c = count_parameters(load_data("olmoe-1b-7b-0924.json"));
  EXPECT_DOUBLE_EQ(c.total, 16 * (per_layer + 64 * 3 * h * 1024) + 2 * 50304 * h + h);  // 6.92B
  EXPECT_DOUBLE_EQ(c.active, 16 * (per_layer + 8 * 3 * h * 1024) + 2 * 50304 * h + h);  // 1.28B
  EXPECT_NEAR(c.total, 6.9e9, 0.05e9);
  EXPECT_NEAR(c.active, 1.3e9, 0.05e9);
}

TEST(ModelSize, Gpt2CountsBiasesLayerNormsAndPositions) {
  // The parameter counts of the GPT-2 checkpoints with tied embeddings, exact: per layer 12 h^2 + 13 h
  // (c_attn 3h^2 + 3h, c_proj h^2 + h, c_fc 4h^2 + 4h, mlp c_proj 4h^2 + h, two LayerNorms 4h), the token
  // and position tables (V + 1024) h and the final LayerNorm 2h.
  EXPECT_DOUBLE_EQ(count_parameters(load_data("gpt2.json")).total, 124'439'808.0);
  EXPECT_DOUBLE_EQ(count_parameters(load_data("gpt2-xl.json")).total, 1'557'611'200.0);
  // gpt2-medium and gpt2-large: HuggingFace's num_parameters, 354,823,168 and 774,030,080.
  EXPECT_EQ(count_parameters(gpt_config(1024, 24, 16, 1024)).total, 354'823'168.0);
  EXPECT_EQ(count_parameters(gpt_config(1280, 36, 20, 1024)).total, 774'030'080.0);
  EXPECT_EQ(count_parameters(gpt_config(768, 12, 12, 1024)).total, 124'439'808.0);  // gpt2 inline, as from its file
}

// GPT-3 175B (Brown et al. 2020, table 2.1: 96 layers, d_model 12288, 96 heads of 128, context 2048; the GPT-2
// vocabulary of 50257, tied, learned positions, LayerNorm and biases as GPT-2). The same 12 h^2 + 13 h per
// layer, (V + 2048) h of tables and the final 2h give 174,604,259,328: the table's "175.0B" is that count
// rounded up (its smaller rows round as 125M and 1.3B do from 125.2M and 1.316B). Tolerance: the 0.4B between.
TEST(ModelSize, Gpt3MatchesItsPublishedSize) {
  const ModelConfig gpt3 = gpt_config(12288, 96, 96, 2048);
  const double h = 12288;
  EXPECT_EQ(count_parameters(gpt3).total, 96 * (12 * h * h + 13 * h) + (50257 + 2048) * h + 2 * h);
  EXPECT_EQ(count_parameters(gpt3).total, 174'604'259'328.0);
  EXPECT_NEAR(count_parameters(gpt3).total, 175.0e9, 0.4e9);
  EXPECT_NEAR(count_parameters(gpt_config(2048, 24, 16, 2048)).total, 1.3e9, 0.05e9);  // GPT-3 XL, "1.3B"
}

TEST(ModelSize, GptOssMatchesTheModelCard) {
  // Model card: 116.83B total and 5.13B active per token, given to the hundredth of a billion: half of that.
  // Its active count leaves out the embedding (a lookup) and keeps the unembedding.
  const ParameterCounts c = count_parameters(load_data("gpt-oss-120b.json"));
  EXPECT_NEAR(c.total, 116.83e9, 0.005e9);
  EXPECT_NEAR(c.active - c.embedding, 5.13e9, 0.005e9);
}

// Training FLOPs of GPT-2 by hand: the tied head is still a GEMM (V h), the position table is not; per layer
// 12 h^2 GEMM weights; causal attention 2 x 12 heads x (s+1)/2 x (64 + 64) per layer, all three times for
// forward and backward. Biases and norms (13 h per layer) are counted as if GEMM weights: under 0.2%.
TEST(ModelSize, Gpt2FlopsCountTheTiedHead) {
  const double h = 768, s = 1024;
  const double expected = 6 * (12 * (12 * h * h) + 50257 * h) + 3 * 12 * 2 * 12 * (s + 1) / 2 * 128;
  EXPECT_NEAR(train_flops_per_token(load_data("gpt2.json"), 1024) / expected, 1.0, 2e-3);
}

}  // namespace
}  // namespace trainsim::models
