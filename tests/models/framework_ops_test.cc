// What a training framework adds to a layer's ops, by hand: the vocab-parallel embedding's and output head's
// TP collectives, RoPE only where positions rotate, full
// recomputation of the transformer layers and not of the output head (Megatron-LM), the separate gradient
// accumulation kernel without Megatron's --gradient-accumulation-fusion, and the unfused FP32 cross-entropy of
// Megatron-LM's vocab-parallel loss (models/cross_entropy_kernel.h).
#include <gtest/gtest.h>

#include <string>

#include "models/model_presets.h"
#include "models/op_catalog.h"
#include "tests/models/model_test_data.h"

namespace trainsim::models {
namespace {

OpContext fp16_context() {
  OpContext c;
  c.micro_batch_size = 2;
  c.sequence_length = 1024;
  c.precision = precision_policy(TrainingPrecision::kFp16);
  return c;
}

int count_named(const LayerOps& ops, const std::string& name) {
  int n = 0;
  for (const Op& op : ops.ops) n += op.name == name;
  return n;
}

const Op& only_op(const LayerOps& ops, const std::string& name, Pass pass) {
  const Op* found = nullptr;
  for (const Op& op : ops.ops)
    if (op.name == name && op.pass == pass) {
      EXPECT_EQ(found, nullptr) << name << " twice";
      found = &op;
    }
  if (found == nullptr) throw std::runtime_error("no op " + name);
  return *found;
}

// The vocabulary split over TP 8 (Megatron's VocabParallelEmbedding and parallel_lm_logits): the embedding's
// partial lookups all-reduced in forward, the head's input gradient all-reduced in backward, each a message
// of rows x h BF16 of which a ring sends 2 x 7/8 per GPU over NVLink. With sequence parallelism each end's
// all-reduce splits into a reduce-scatter where it reduced and an all-gather in the other pass (7/8 each).
// TP 1: none.
TEST(FrameworkOps, VocabParallelEndsCarryOneTpCollectiveEachByHand) {
  const ModelConfig m = load_data("gpt2.json");
  OpContext c = fp16_context();
  const double message = 2.0 * 1024 * 768 * 2;  // rows x h x 2 bytes
  EXPECT_EQ(count_named(build_layer_ops(m, LayerKind::kEmbedding, c), "embed.tp_all_reduce"), 0);
  c.tp = 8;
  const LayerOps embedding = build_layer_ops(m, LayerKind::kEmbedding, c);
  const Op& embed = only_op(embedding, "embed.tp_all_reduce", Pass::kForward);
  EXPECT_EQ(embed.comm, CommKind::kTpAllReduce);
  EXPECT_EQ(embed.role, OpRole::kPreTp);
  EXPECT_DOUBLE_EQ(embed.message_bytes, message);
  EXPECT_DOUBLE_EQ(embed.intra_node_bytes, 2 * message * 7 / 8);
  const LayerOps output_head = build_layer_ops(m, LayerKind::kOutputHead, c);
  const Op& head = only_op(output_head, "head.tp_all_reduce", Pass::kBackwardInput);
  EXPECT_EQ(head.role, OpRole::kHeadTp);
  EXPECT_DOUBLE_EQ(head.intra_node_bytes, 2 * message * 7 / 8);
  c.sequence_parallel = true;
  const LayerOps embed_sp = build_layer_ops(m, LayerKind::kEmbedding, c);
  EXPECT_DOUBLE_EQ(only_op(embed_sp, "embed.tp_reduce_scatter", Pass::kForward).intra_node_bytes, message * 7 / 8);
  EXPECT_DOUBLE_EQ(only_op(embed_sp, "embed.tp_all_gather", Pass::kBackwardInput).intra_node_bytes, message * 7 / 8);
  const LayerOps head_sp = build_layer_ops(m, LayerKind::kOutputHead, c);
  EXPECT_EQ(only_op(head_sp, "head.tp_all_gather", Pass::kForward).comm, CommKind::kTpAllGather);
  EXPECT_EQ(only_op(head_sp, "head.tp_reduce_scatter", Pass::kBackwardInput).comm, CommKind::kTpReduceScatter);
}

// GPT-2 adds a learned position row to each token's embedding; only rotary models (Llama) rotate Q and K.
TEST(FrameworkOps, RopeOnlyWhereThePositionsRotate) {
  EXPECT_EQ(count_named(build_layer_ops(load_data("gpt2.json"), LayerKind::kDense, fp16_context()), "attn.rope"), 0);
  EXPECT_EQ(count_named(build_layer_ops(load_preset("llama-3.1-405b"), LayerKind::kDense, fp16_context()), "attn.rope"), 1);
}

// Megatron-LM's full recomputation checkpoints the transformer layers: every forward op of a layer runs again
// in backward, and the output head's projection and loss run once.
TEST(FrameworkOps, FullRecomputeRerunsTheLayersNotTheHead) {
  const ModelConfig m = load_data("gpt2.json");
  OpContext c = fp16_context();
  c.recompute = Recompute::kFull;
  const LayerOps layer = build_layer_ops(m, LayerKind::kDense, c);
  int forward = 0, rerun = 0;
  for (const Op& op : layer.ops) {
    if (op.is_communication()) continue;
    forward += op.pass == Pass::kForward;
    rerun += op.recomputed;
  }
  EXPECT_GT(forward, 5);
  EXPECT_EQ(rerun, forward);
  const LayerOps head = build_layer_ops(m, LayerKind::kOutputHead, c);
  for (const Op& op : head.ops) EXPECT_FALSE(op.recomputed) << op.name;
  c.recompute = Recompute::kNone;
  EXPECT_EQ(head.saved_activation_bytes, build_layer_ops(m, LayerKind::kOutputHead, c).saved_activation_bytes);
}

// An MTP module's transformer layer re-runs under full recompute; its shared output head runs once, and so does
// that head's TP collective (with sequence parallelism, the forward all-gather of the hidden states).
TEST(FrameworkOps, FullRecomputeLeavesAnMtpModulesHeadAndItsCollectiveOnce) {
  OpContext c;
  c.tp = 4;
  c.sequence_parallel = true;
  c.recompute = Recompute::kFull;
  const LayerOps mtp = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMtp, c);
  int head_ops = 0, rerun = 0;
  for (const Op& op : mtp.ops) {
    if (op.role == OpRole::kHead || op.role == OpRole::kHeadTp) {
      ++head_ops;
      EXPECT_FALSE(op.recomputed) << op.name;
    }
    rerun += op.recomputed;
  }
  EXPECT_GT(head_ops, 3);  // norm, all-gather, projection, loss at least
  EXPECT_GT(rerun, 10);    // the module's own layer
}

// Without fusion, each micro-batch's FP16 weight gradient (2 bytes read) is added to the FP16 accumulated one
// (2 read, 2 written) for every micro-batch but the first: 6 bytes per parameter, (m - 1) / m per micro-batch.
// With 4 micro-batches: 6 x 3/4 = 4.5 bytes per parameter, the layer's and (tied) the head's.
TEST(FrameworkOps, SeparateGradientAccumulationMovesEachParameterByHand) {
  const ModelConfig m = load_data("gpt2.json");
  OpContext c = fp16_context();
  EXPECT_EQ(count_named(build_layer_ops(m, LayerKind::kDense, c), "grad_accumulate"), 0);  // fused: none
  c.gradient_accumulation_bytes_per_parameter = (2 + 2 * 2) * 3.0 / 4;
  const LayerOps layer = build_layer_ops(m, LayerKind::kDense, c);
  const Op& add = only_op(layer, "grad_accumulate", Pass::kBackwardWeight);
  // GPT-2 small's layer: 12 h^2 weights, 13 h biases and LayerNorm parameters (h = 768).
  const double h = 768, layer_parameters = 12 * h * h + 13 * h;
  EXPECT_DOUBLE_EQ(layer.parameters, layer_parameters);
  EXPECT_DOUBLE_EQ(add.hbm_bytes, layer_parameters * 4.5);
  // The tied head's Wgrad (vocab 50257 x h) is accumulated too, beside its final LayerNorm's 2h.
  const LayerOps head = build_layer_ops(m, LayerKind::kOutputHead, c);
  const Op& head_add = only_op(head, "grad_accumulate", Pass::kBackwardWeight);
  EXPECT_DOUBLE_EQ(head_add.hbm_bytes, (50257 * h + 2 * h) * 4.5);
}

// Megatron-LM's loss on FP32 logits: 38 bytes per logit forward, 14 backward, the FP32 softmax kept (4); the
// fused kernel reads the 16-bit logits once each way (2 + 4 bytes) and keeps them (2).
TEST(FrameworkOps, UnfusedCrossEntropyBytesPerLogitByHand) {
  const ModelConfig m = load_data("gpt2.json");
  OpContext c = fp16_context();
  const double logits = 2.0 * 1024 * 50257;
  const LayerOps fused = build_layer_ops(m, LayerKind::kOutputHead, c);
  c.cross_entropy_kernel = CrossEntropyKernel::kUnfused;
  const LayerOps unfused = build_layer_ops(m, LayerKind::kOutputHead, c);
  EXPECT_DOUBLE_EQ(only_op(unfused, "head.cross_entropy", Pass::kForward).hbm_bytes, 38 * logits);
  EXPECT_DOUBLE_EQ(only_op(unfused, "head.cross_entropy.bwd", Pass::kBackwardInput).hbm_bytes, 14 * logits);
  EXPECT_DOUBLE_EQ(unfused.saved_activation_bytes - fused.saved_activation_bytes, (4 - 2) * logits);
}

// A block's output joining the residual stream, run as kernels of their own (models/residual_add.h): per GPT-2
// layer of 2 x 1024 tokens and hidden 768, the attention's and the MLP's output each added forward (two BF16 values
// read, their sum written: 3 x 2 bytes a value) and the stream's gradient summed with the block input's backward
// (the same bytes). Fused, the default, adds no op.
TEST(FrameworkOps, SeparateResidualAddsAreTwoAddsForwardAndTwoSumsBackward) {
  const ModelConfig m = load_data("gpt2.json");
  OpContext c = fp16_context();
  const double values = 2.0 * 1024 * 768;
  const LayerOps fused = build_layer_ops(m, LayerKind::kDense, c);
  c.residual_add = ResidualAdd::kSeparate;
  const LayerOps separate = build_layer_ops(m, LayerKind::kDense, c);
  EXPECT_EQ(separate.ops.size(), fused.ops.size() + 4);
  for (const char* block : {"attn", "mlp"}) {
    EXPECT_EQ(count_named(fused, std::string(block) + ".residual_add"), 0) << block;
    EXPECT_DOUBLE_EQ(only_op(separate, std::string(block) + ".residual_add", Pass::kForward).hbm_bytes, 6 * values);
    EXPECT_DOUBLE_EQ(only_op(separate, std::string(block) + ".residual_grad_sum", Pass::kBackwardInput).hbm_bytes,
                     6 * values);
  }
  EXPECT_DOUBLE_EQ(separate.saved_activation_bytes, fused.saved_activation_bytes);  // an add keeps nothing
}

}  // namespace
}  // namespace trainsim::models
