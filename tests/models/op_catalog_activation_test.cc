// Saved activations of the op catalog. A GPT layer against Korthikanti et al. 2022 ("Reducing Activation
// Recomputation in Large Transformer Models", arXiv 2205.05198, section 4), exactly, for each recompute mode and
// TP/SP; flash attention, MoE layers and recompute modules by hand count from what each op's backward reads.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "models/hf_config.h"
#include "models/model_presets.h"
#include "models/op_catalog.h"

namespace trainsim::models {
namespace {

// A GPT-3-style layer as Korthikanti count it: LayerNorm, multi-head attention, a GeLU MLP of 4h, dropout 0.1 on
// the attention probabilities and on both blocks' outputs (GPT-2's config keys).
ModelConfig gpt(int hidden, int heads) {
  return model_from_hf_json(fmt::format(R"({{"model_type": "gpt2", "n_embd": {}, "n_head": {}, "n_layer": 4,
      "vocab_size": 51200, "n_positions": 2048, "activation_function": "gelu_new", "attn_pdrop": 0.1,
      "resid_pdrop": 0.1, "embd_pdrop": 0.1}})", hidden, heads), "gpt.json", "gpt");
}

// BF16 activations and GEMMs, as the paper's 16-bit count; Megatron-LM 2021's unfused attention.
OpContext context(int tp, bool sp, Recompute recompute, AttentionKernel kernel = AttentionKernel::kUnfused) {
  OpContext c;
  c.micro_batch_size = 1;
  c.sequence_length = 2048;
  c.tp = tp;
  c.sequence_parallel = sp;
  c.recompute = recompute;
  c.attention_kernel = kernel;
  c.precision.fp8_gemms = c.precision.fp8_dispatch = false;
  return c;
}

double saved(const ModelConfig& m, const OpContext& c) {
  return build_layer_ops(m, LayerKind::kDense, c).saved_activation_bytes;
}

// The paper leaves out "small buffers" (4.1): the per-row statistics the two LayerNorms keep, 8 bytes a row (an
// FP32 mean and reciprocal standard deviation, as PyTorch's and apex's LayerNorm save them) on the rows each GPU
// normalizes (s b, or s b / t with SP).
double norm_statistics(double rows) { return 2 * rows * 8; }

struct Dims {
  double h, a;
};
// GPT-3 175B (Brown et al. 2020, table 2.1: h 12288, 96 heads) and a small GPT (GPT-2 small: h 768, 12 heads).
constexpr Dims kGpt3{12288, 96}, kSmall{768, 12};
constexpr double s = 2048, b = 1;

TEST(ActivationMemory, NoRecomputeNoParallelismIs34sbhPlus5as2b) {
  for (Dims d : {kGpt3, kSmall}) {
    const double h = d.h, a = d.a;
    const double expected = s * b * h * (34 + 5 * a * s / h) + norm_statistics(s * b);
    EXPECT_EQ(saved(gpt(static_cast<int>(h), static_cast<int>(a)), context(1, false, Recompute::kNone)), expected) << h;
  }
}

TEST(ActivationMemory, TensorParallelWithoutSequenceParallelKeeps10sbhWhole) {
  for (Dims d : {kGpt3, kSmall}) {
    const double h = d.h, a = d.a, t = 8;
    const double expected = s * b * h * (10 + 24 / t + 5 * a * s / (h * t)) + norm_statistics(s * b);
    EXPECT_EQ(saved(gpt(static_cast<int>(h), static_cast<int>(a)), context(8, false, Recompute::kNone)), expected) << h;
  }
}

TEST(ActivationMemory, TensorAndSequenceParallelDivideEverythingByT) {
  for (Dims d : {kGpt3, kSmall}) {
    const double h = d.h, a = d.a, t = 8;
    const double expected = s * b * h / t * (34 + 5 * a * s / h) + norm_statistics(s * b / t);
    EXPECT_EQ(saved(gpt(static_cast<int>(h), static_cast<int>(a)), context(8, true, Recompute::kNone)), expected) << h;
  }
}

TEST(ActivationMemory, SelectiveRecomputeWithSequenceParallelIs34sbhOverT) {
  for (Dims d : {kGpt3, kSmall}) {
    const double h = d.h, a = d.a, t = 8;
    const double expected = 34 * s * b * h / t + norm_statistics(s * b / t);
    EXPECT_EQ(saved(gpt(static_cast<int>(h), static_cast<int>(a)), context(8, true, Recompute::kSelective)), expected) << h;
  }
}

TEST(ActivationMemory, FullRecomputeKeepsTheLayerInput) {
  for (Dims d : {kGpt3, kSmall}) {
    const double h = d.h, t = 8;
    const ModelConfig m = gpt(static_cast<int>(h), static_cast<int>(d.a));
    EXPECT_EQ(saved(m, context(1, false, Recompute::kFull)), 2 * s * b * h) << h;
    EXPECT_EQ(saved(m, context(8, false, Recompute::kFull)), 2 * s * b * h) << h;
    EXPECT_EQ(saved(m, context(8, true, Recompute::kFull)), 2 * s * b * h / t) << h;
  }
}

// Selective recompute re-runs the attention core in backward: QK^T, softmax, dropout, x V (Korthikanti 4.2).
TEST(ActivationMemory, SelectiveRecomputeReRunsTheAttentionCore) {
  const LayerOps ops = build_layer_ops(gpt(768, 12), LayerKind::kDense, context(1, false, Recompute::kSelective));
  std::vector<std::string> rerun;
  for (const Op& op : ops.ops)
    if (op.recomputed) rerun.push_back(op.name);
  EXPECT_EQ(rerun, (std::vector<std::string>{"attn.scores", "attn.softmax", "attn.dropout", "attn.context"}));
}

// Flash attention keeps O and the log-sum-exp (4 bytes per token and head) and no s x s tensor; its dropout is
// regenerated from the RNG state. Hand count of a GPT layer: norms' inputs 2+2, the QKV and fc1 inputs 2+2,
// Q K V 6, O 2, GeLU input 8, fc2 input 8, two residual dropout masks 1+1: 34 sbh, plus the log-sum-exp 4 a s b.
TEST(ActivationMemory, FlashAttentionKeepsOnlyItsOutputAndLogSumExp) {
  for (Dims d : {kGpt3, kSmall}) {
    const double h = d.h, a = d.a, t = 8;
    const ModelConfig m = gpt(static_cast<int>(h), static_cast<int>(a));
    EXPECT_EQ(saved(m, context(1, false, Recompute::kNone, AttentionKernel::kFlash)),
              34 * s * b * h + 4 * a * s * b + norm_statistics(s * b)) << h;
    EXPECT_EQ(saved(m, context(8, true, Recompute::kNone, AttentionKernel::kFlash)),
              34 * s * b * h / t + 4 * a / t * s * b + norm_statistics(s * b / t)) << h;
    // Selective recompute with flash frees the log-sum-exp only.
    EXPECT_EQ(saved(m, context(8, true, Recompute::kSelective, AttentionKernel::kFlash)),
              34 * s * b * h / t + norm_statistics(s * b / t)) << h;
  }
}

// Without dropout (modern pre-training) the unfused core keeps the softmax output only, once: 2 a s^2 b, and no
// residual masks: 32 sbh.
TEST(ActivationMemory, WithoutDropoutTheUnfusedCoreKeepsTheSoftmaxOutputOnce) {
  ModelConfig m = gpt(768, 12);
  m.attention_dropout = m.hidden_dropout = 0;
  const double h = 768, a = 12;
  EXPECT_EQ(saved(m, context(1, false, Recompute::kNone)), s * b * h * (32 + 2 * a * s / h) + norm_statistics(s * b));
}

// The unfused core's ops: batched GEMMs over b x heads sequences of s x s scores (all s^2 pairs: the causal mask
// is applied to the scores), forward 2 s^2 (d + d) per head, backward twice that.
TEST(ActivationMemory, UnfusedCoreIsPricedAsBatchedGemmsAndElementwiseOps) {
  const double h = 768, a = 12, t = 4, d = h / a;
  const LayerOps ops = build_layer_ops(gpt(768, 12), LayerKind::kDense, context(4, false, Recompute::kNone));
  double forward = 0, backward = 0;
  int elementwise_backward = 0;
  for (const Op& op : ops.ops) {
    if (!op.name.starts_with("attn.scores") && !op.name.starts_with("attn.context") && !op.name.starts_with("attn.softmax") &&
        !op.name.starts_with("attn.dropout"))
      continue;
    if (op.kind == OpKind::kGemm) {
      const auto& shape = std::get<GemmDims>(op.shape);
      EXPECT_EQ(shape.groups, static_cast<std::int64_t>(b * a / t)) << op.name;
      EXPECT_EQ(shape.rows_per_group, static_cast<std::int64_t>(s)) << op.name;
      (op.pass == Pass::kForward ? forward : backward) += op.flops;
    } else {
      EXPECT_EQ(op.kind, OpKind::kElementwise) << op.name;
      elementwise_backward += op.pass == Pass::kBackwardInput ? 1 : 0;
    }
  }
  EXPECT_EQ(forward, b * a / t * 2 * s * s * (d + d));
  EXPECT_EQ(backward, 2 * forward);
  EXPECT_EQ(elementwise_backward, 2);  // the dropout's and the softmax's gradients
}

// Dropout: the residual dropouts' elementwise ops in forward and backward, and the embeddings' mask (Korthikanti
// 4.3: s b h / t bytes with SP).
TEST(ActivationMemory, DropoutAddsItsOpsAndKeepsAOneByteMask) {
  const ModelConfig m = gpt(768, 12);
  const LayerOps layer = build_layer_ops(m, LayerKind::kDense, context(1, false, Recompute::kNone));
  int dropout_ops = 0;
  for (const Op& op : layer.ops) dropout_ops += op.name.find("residual_dropout") != std::string::npos ? 1 : 0;
  EXPECT_EQ(dropout_ops, 4);  // attention's and MLP's, forward and backward
  EXPECT_EQ(build_layer_ops(m, LayerKind::kEmbedding, context(8, true, Recompute::kNone)).saved_activation_bytes,
            s * b * 768 / 8);
}

// A MoE layer (BF16, no recompute, EP 1) by hand: attention as above with flash; the MoE block keeps its norm's
// input and statistics, the gate's input, the router's FP32 scores, each token's k weights (FP32) and expert
// indices (int32), and at the routed rows (tokens x k x expert_load_factor) each row's place (int32) and gate
// weight (FP32, applied to the activation's output), the grouped GEMMs' inputs and the SwiGLU's input.
TEST(ActivationMemory, MoeLayerKeepsWhatItsBackwardReadsAtTheRoutedRows) {
  const ModelConfig m = model_from_hf_json(R"({"model_type": "qwen2_moe", "hidden_size": 64, "num_hidden_layers": 2,
      "vocab_size": 100, "num_attention_heads": 4, "intermediate_size": 128, "num_experts": 8, "num_experts_per_tok": 2,
      "moe_intermediate_size": 32})", "cfg.json", "m");
  for (double load : {1.0, 1.5}) {
    OpContext c = context(1, false, Recompute::kNone, AttentionKernel::kFlash);
    c.sequence_length = 128;
    c.expert_load_factor = load;
    const double rows = 128, h = 64, heads = 4, e = 8, k = 2, inter = 32, routed = rows * k * load;
    const double attention = rows * h * 2 + rows * 4 + rows * h * 2 + rows * 3 * h * 2 + rows * h * 2 + rows * heads * 4;
    const double moe = rows * h * 2 + rows * 4 + rows * h * 2 + rows * e * 4 + rows * k * (4 + 4) + routed * (4 + 4) +
                       routed * h * 2 + routed * 2 * inter * 2 + routed * inter * 2;
    EXPECT_EQ(build_layer_ops(m, LayerKind::kMoe, c).saved_activation_bytes, attention + moe) << load;
  }
}

// Checkpointing the dense MLP (Megatron-Core's `mlp` module) keeps only its input: of the MLP's 19 sbh the fc1
// input (2, now the block's input) and the residual dropout mask (1, outside the block) stay; the GeLU and fc2
// inputs (8 + 8) go, and its three ops re-run in backward.
TEST(ActivationMemory, CheckpointedMlpKeepsOnlyItsInput) {
  const ModelConfig m = gpt(768, 12);
  const double h = 768, a = 12;
  OpContext c = context(1, false, Recompute::kModules);
  c.recompute_modules = {RecomputeModule::kMlp};
  const LayerOps ops = build_layer_ops(m, LayerKind::kDense, c);
  EXPECT_EQ(ops.saved_activation_bytes, s * b * h * (34 - 16 + 5 * a * s / h) + norm_statistics(s * b));
  std::vector<std::string> rerun;
  for (const Op& op : ops.ops)
    if (op.recomputed) rerun.push_back(op.name);
  EXPECT_EQ(rerun, (std::vector<std::string>{"mlp.up", "mlp.gelu", "mlp.down"}));
}

// Checkpointing the MoE block (`moe`) keeps its BF16 input and re-runs router, dispatch, experts and combine.
TEST(ActivationMemory, CheckpointedMoeBlockKeepsOnlyItsInputAndReRunsItsAllToAlls) {
  const ModelConfig m = model_from_hf_json(R"({"model_type": "qwen2_moe", "hidden_size": 64, "num_hidden_layers": 2,
      "vocab_size": 100, "num_attention_heads": 4, "intermediate_size": 128, "num_experts": 8, "num_experts_per_tok": 2,
      "moe_intermediate_size": 32})", "cfg.json", "m");
  OpContext c = context(1, false, Recompute::kModules, AttentionKernel::kFlash);
  c.sequence_length = 128;
  c.ep = 4;
  c.recompute_modules = {RecomputeModule::kMoe, RecomputeModule::kMoeAct};
  const double rows = 128, h = 64, heads = 4;
  const double attention = rows * h * 2 + rows * 4 + rows * h * 2 + rows * 3 * h * 2 + rows * h * 2 + rows * heads * 4;
  const double moe = rows * h * 2 + rows * 4 + rows * h * 2;  // the norm's input and statistics; the block's input
  const LayerOps ops = build_layer_ops(m, LayerKind::kMoe, c);
  EXPECT_EQ(ops.saved_activation_bytes, attention + moe);
  int dispatch_forward = 0, swiglu_reruns = 0;
  for (const Op& op : ops.ops) {
    dispatch_forward += op.name == "moe.dispatch" ? 1 : 0;  // once in forward, once re-run
    swiglu_reruns += op.name == "moe.experts.swiglu" && op.recomputed ? 1 : 0;
  }
  EXPECT_EQ(dispatch_forward, 2);
  EXPECT_EQ(swiglu_reruns, 1);  // the block's re-run replaces moe_act's own
}

// The named modes are their module lists: the same ops and saved bytes.
TEST(ActivationMemory, NamedModesEqualTheirModuleLists) {
  using M = RecomputeModule;
  const std::pair<Recompute, RecomputeModules> cases[] = {
      {Recompute::kSelective, {M::kCoreAttn}},
      {Recompute::kNormActivation, {M::kLayerNorm, M::kMlpAct, M::kMoeAct}},
      {Recompute::kDeepSeek, {M::kLayerNorm, M::kMlaUpProj, M::kMlpAct, M::kMoeAct}},
  };
  const ModelConfig m = load_preset("deepseek-v3");
  for (const auto& [mode, modules] : cases) {
    OpContext named = context(1, false, mode), listed = context(1, false, Recompute::kModules);
    listed.recompute_modules = modules;
    const LayerOps by_name = build_layer_ops(m, LayerKind::kMoe, named), by_list = build_layer_ops(m, LayerKind::kMoe, listed);
    EXPECT_EQ(by_name.saved_activation_bytes, by_list.saved_activation_bytes) << recompute_name(mode);
    EXPECT_EQ(by_name.ops.size(), by_list.ops.size()) << recompute_name(mode);
  }
}

// Norm-activation recompute (Megatron-Core MoE recipes: layernorm, moe_act) drops the norms' outputs and the
// activations' outputs: a GPT layer without TP loses the QKV and fc1 inputs (2 + 2 sbh) and the fc2 input (8 sbh).
TEST(ActivationMemory, NormActivationRecomputeDropsNormAndActivationOutputs) {
  const ModelConfig m = gpt(768, 12);
  const double h = 768;
  EXPECT_EQ(saved(m, context(1, false, Recompute::kNone)) - saved(m, context(1, false, Recompute::kNormActivation)),
            12 * s * b * h);
}

}  // namespace
}  // namespace trainsim::models
