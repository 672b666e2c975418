// Compute kinds: every compute op of every layer kind has one, read off its OpKind and role (not its name);
// the DeepSeek-V3 ops land where the tech report's architecture puts them; a renamed op keeps its kind.
#include "models/compute_kind.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "models/model_presets.h"
#include "models/op_catalog.h"

namespace trainsim::models {
namespace {

std::map<std::string, ComputeKind> kinds_by_name(const LayerOps& layer) {
  std::map<std::string, ComputeKind> out;
  for (const Op& op : layer.ops)
    if (!op.is_communication()) out[op.name] = compute_kind_of(op);
  return out;
}

TEST(ComputeKind, DeepSeekV3OpsFallWhereTheArchitecturePutsThem) {
  OpContext c;
  c.ep = 64;
  c.recompute = Recompute::kDeepSeek;
  const ModelConfig m = load_preset("deepseek-v3");
  const auto moe = kinds_by_name(build_layer_ops(m, LayerKind::kMoe, c));
  // MLA (tech report 2.1.1): the down and up projections and o_proj are projections, the core its own kind.
  EXPECT_EQ(moe.at("attn.q_down"), ComputeKind::kProjection);
  EXPECT_EQ(moe.at("attn.kv_up.dgrad"), ComputeKind::kProjection);
  EXPECT_EQ(moe.at("attn.o_proj.wgrad"), ComputeKind::kProjection);
  EXPECT_EQ(moe.at("attn.core.bwd"), ComputeKind::kAttentionCore);
  EXPECT_EQ(moe.at("attn.norm"), ComputeKind::kNormElementwise);
  EXPECT_EQ(moe.at("attn.rope"), ComputeKind::kNormElementwise);
  EXPECT_EQ(moe.at("attn.q_down.quant_x"), ComputeKind::kQuantize);
  // DeepSeekMoE (2.1.2): the gate GEMM and top-k are the router; routed experts apart from the shared one.
  EXPECT_EQ(moe.at("moe.gate"), ComputeKind::kRouter);
  EXPECT_EQ(moe.at("moe.topk"), ComputeKind::kRouter);
  EXPECT_EQ(moe.at("moe.experts.gate_up"), ComputeKind::kExpertGemm);
  EXPECT_EQ(moe.at("moe.experts.down.wgrad"), ComputeKind::kExpertGemm);
  EXPECT_EQ(moe.at("moe.shared.gate_up"), ComputeKind::kMlpGemm);
  EXPECT_EQ(moe.at("moe.experts.swiglu"), ComputeKind::kNormElementwise);
  EXPECT_EQ(moe.at("moe.permute"), ComputeKind::kPermute);
  EXPECT_EQ(moe.at("moe.combine_sum.bwd"), ComputeKind::kPermute);
  const auto dense = kinds_by_name(build_layer_ops(m, LayerKind::kDense, c));
  EXPECT_EQ(dense.at("mlp.gate_up"), ComputeKind::kMlpGemm);
  // Embedding, output head and its loss, and the MTP module's input projection (2.2).
  const auto head = kinds_by_name(build_layer_ops(m, LayerKind::kOutputHead, c));
  EXPECT_EQ(head.at("head.proj"), ComputeKind::kEmbeddingHead);
  EXPECT_EQ(head.at("head.cross_entropy"), ComputeKind::kEmbeddingHead);
  const auto mtp = kinds_by_name(build_layer_ops(m, LayerKind::kMtp, c));
  EXPECT_EQ(mtp.at("mtp.eh_proj"), ComputeKind::kEmbeddingHead);
  EXPECT_EQ(mtp.at("attn.core"), ComputeKind::kAttentionCore);  // its transformer layer is a layer like the others
  EXPECT_EQ(kinds_by_name(build_layer_ops(m, LayerKind::kEmbedding, c)).at("embed.lookup"),
            ComputeKind::kEmbeddingHead);
}

TEST(ComputeKind, TheUnfusedAttentionCoreIsAttentionCoreWhateverItsKernels) {
  // Megatron-LM 2021's core (Korthikanti et al. 2022, 4.1): QK^T and x V as batched GEMMs, softmax and dropout
  // element-wise; all four are the attention core, the QKV and output GEMMs around them projections.
  ModelConfig m = load_preset("llama-3.1-70b");
  m.attention_dropout = 0.1;
  OpContext c;
  c.attention_kernel = AttentionKernel::kUnfused;
  c.recompute = Recompute::kFull;
  const auto dense = kinds_by_name(build_layer_ops(m, LayerKind::kDense, c));
  for (const char* core : {"attn.scores", "attn.softmax", "attn.dropout", "attn.context", "attn.context.dgrad",
                           "attn.context.dgrad_v", "attn.dropout.bwd", "attn.softmax.bwd", "attn.scores.dgrad",
                           "attn.scores.dgrad_k"})
    EXPECT_EQ(dense.at(core), ComputeKind::kAttentionCore) << core;
  EXPECT_EQ(dense.at("attn.o_proj"), ComputeKind::kProjection);
}

TEST(ComputeKind, ElementwiseKernelsAheadOfALayerAreNormElementwise) {
  // Ahead of a layer sit the embedding's own kernels and the MTP input projection (embedding_head), and norms
  // and element-wise kernels that are neither: MTP's input norms and the separate gradient accumulation.
  OpContext c;
  c.ep = 8;
  c.gradient_accumulation_bytes_per_parameter = 4.5;
  const ModelConfig m = load_preset("deepseek-v3");
  const auto mtp = kinds_by_name(build_layer_ops(m, LayerKind::kMtp, c));
  EXPECT_EQ(mtp.at("mtp.enorm"), ComputeKind::kNormElementwise);
  EXPECT_EQ(mtp.at("mtp.eh_proj"), ComputeKind::kEmbeddingHead);
  EXPECT_EQ(mtp.at("mtp.embed_lookup"), ComputeKind::kEmbeddingHead);
  EXPECT_EQ(kinds_by_name(build_layer_ops(m, LayerKind::kDense, c)).at("grad_accumulate"), ComputeKind::kNormElementwise);
}

TEST(ComputeKind, EveryComputeOpOfEveryModelHasAKindAndNoneIsTheOptimizer) {
  for (const char* name : {"deepseek-v3", "llama-3.1-405b", "mixtral-8x7b", "qwen2.5-72b", "deepseek-v2-lite"}) {
    const ModelConfig m = load_preset(name);
    for (Recompute r : {Recompute::kNone, Recompute::kFull}) {
      OpContext c;
      c.tp = 2;
      c.recompute = r;
      for (LayerKind kind : {LayerKind::kDense, LayerKind::kMoe, LayerKind::kEmbedding, LayerKind::kOutputHead,
                             LayerKind::kMtp})
        for (const Op& op : build_layer_ops(m, kind, c).ops) {
          if (op.is_communication()) continue;
          EXPECT_NE(compute_kind_of(op), ComputeKind::kOptimizer) << name << " " << op.name;
        }
    }
  }
}

TEST(ComputeKind, RenamingAnOpDoesNotChangeItsKind) {
  OpContext c;
  c.ep = 8;
  for (Op op : build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMtp, c).ops) {
    if (op.is_communication()) continue;
    const ComputeKind before = compute_kind_of(op);
    op.name = "renamed";
    EXPECT_EQ(compute_kind_of(op), before);
  }
}

TEST(ComputeKind, NamesAreDistinctSnakeCaseKeys) {
  std::set<std::string> names;
  for (int k = 0; k < kComputeKindCount; ++k) {
    const std::string name(compute_kind_name(static_cast<ComputeKind>(k)));
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos) << name;
    names.insert(name);
  }
  EXPECT_EQ(static_cast<int>(names.size()), kComputeKindCount);
  EXPECT_EQ(names.count("other"), 0u);  // no catch-all
}

}  // namespace
}  // namespace trainsim::models
