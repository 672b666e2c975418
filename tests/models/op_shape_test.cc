// Op shapes from the op catalog: every GEMM and attention op carries one, and the work counted from the shape
// (2 x rows x n x k per group; attention per causal query-key pair) equals the op's FLOPs, a law: the same work
// counted two ways. Hand-calculated shapes for DeepSeek-V3 (tech report) and Llama 3.1 405B at TP 8.
#include "models/op_shape.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"

#include "models/model_presets.h"
#include "models/op_catalog.h"
#include "tests/models/model_test_data.h"

namespace trainsim::models {
namespace {

double gemm_flops(const GemmDims& g) {
  return 2.0 * static_cast<double>(g.groups) * static_cast<double>(g.rows_per_group) * static_cast<double>(g.n) *
         static_cast<double>(g.k);
}

double attention_pairs(const AttentionDims& a) {
  const double s = static_cast<double>(a.seq);
  return static_cast<double>(a.batch * a.heads) * (a.causal ? s * (s + 1) / 2 : s * s);
}

// QK^T and PV: 2 (d_qk + d_v) FLOPs per pair (hardware/attention_time_model.h).
double attention_forward_flops(const AttentionDims& a) {
  return 2.0 * attention_pairs(a) * static_cast<double>(a.qk_head_dim + a.v_head_dim);
}

// Flash backward recomputes QK^T and runs dP = dO V^T, dV = P^T dO, dK = dS^T Q, dQ = dS K: 2 (3 d_qk + 2 d_v)
// per pair (hardware/attention_time_model.h), 2.5x forward when d_qk = d_v.
double attention_backward_flops(const AttentionDims& a) {
  return 2.0 * attention_pairs(a) * static_cast<double>(3 * a.qk_head_dim + 2 * a.v_head_dim);
}

bool tensor_core_kind(OpKind kind) {
  return kind == OpKind::kGemm || kind == OpKind::kGroupedGemm || kind == OpKind::kAttention;
}

std::string label(const Op& op) { return op.name + " " + std::string(pass_name(op.pass)); }

// The FLOPs of the op counted from its shape: the GEMM's 2 m n k, attention by the formulas above.
double catalog_rule_flops(const Op& op) {
  if (const auto* g = std::get_if<GemmDims>(&op.shape)) return gemm_flops(*g);
  const auto& a = std::get<AttentionDims>(op.shape);
  const bool backward_kernel = op.pass != Pass::kForward && !op.recomputed;
  return backward_kernel ? attention_backward_flops(a) : attention_forward_flops(a);
}

struct Case {
  const char* preset;
  LayerKind kind;
  OpContext context;
};

OpContext context(int tp, int ep, Recompute recompute, double load = 1.0) {
  OpContext c;
  c.micro_batch_size = 1;
  c.sequence_length = 4096;
  c.tp = tp;
  c.ep = ep;
  c.recompute = recompute;
  c.expert_load_factor = load;
  return c;
}

OpContext unfused(OpContext c) {
  c.attention_kernel = AttentionKernel::kUnfused;
  return c;
}

std::vector<Case> cases() {
  return {
      {"deepseek-v3", LayerKind::kMoe, context(1, 64, Recompute::kDeepSeek)},
      {"deepseek-v3", LayerKind::kMoe, context(1, 64, Recompute::kDeepSeek, 1.25)},  // a straggler's load
      {"deepseek-v3", LayerKind::kDense, context(1, 1, Recompute::kDeepSeek)},
      {"deepseek-v3", LayerKind::kMtp, context(1, 64, Recompute::kFull)},
      {"deepseek-v3", LayerKind::kMoe, context(2, 8, Recompute::kNone)},
      {"llama-3.1-405b", LayerKind::kDense, context(8, 1, Recompute::kNormActivation)},
      {"llama-3.1-405b", LayerKind::kDense, unfused(context(8, 1, Recompute::kSelective))},  // batched GEMMs, re-run
      {"llama-3.1-405b", LayerKind::kOutputHead, context(8, 1, Recompute::kNone)},
      {"mixtral-8x7b", LayerKind::kMoe, context(1, 8, Recompute::kNone)},
      {"mixtral-8x7b", LayerKind::kMoe, context(2, 1, Recompute::kFull)},
  };
}

TEST(OpShape, EveryGemmAndAttentionOpHasAShapeOfItsKind) {
  for (const Case& c : cases()) {
    const LayerOps layer = build_layer_ops(load_preset(c.preset), c.kind, c.context);
    for (const Op& op : layer.ops) {
      const std::string where = std::string(c.preset) + " " + label(op);
      if (op.kind == OpKind::kGemm || op.kind == OpKind::kGroupedGemm)
        EXPECT_TRUE(std::holds_alternative<GemmDims>(op.shape)) << where;
      else if (op.kind == OpKind::kAttention)
        EXPECT_TRUE(std::holds_alternative<AttentionDims>(op.shape)) << where;
      else
        EXPECT_FALSE(op.has_shape()) << where;
    }
  }
}

TEST(OpShape, ShapeFlopsEqualTheOpsFlops) {
  for (const Case& c : cases()) {
    const LayerOps layer = build_layer_ops(load_preset(c.preset), c.kind, c.context);
    int shaped = 0;
    for (const Op& op : layer.ops) {
      if (!tensor_core_kind(op.kind)) continue;
      ++shaped;
      EXPECT_NEAR(catalog_rule_flops(op) / op.flops, 1.0, 1e-12) << c.preset << " " << label(op);
    }
    EXPECT_GT(shaped, 0) << c.preset;
  }
}

TEST(OpShape, RecomputedOpsCarryTheForwardShape) {
  for (const Case& c : cases()) {
    const LayerOps layer = build_layer_ops(load_preset(c.preset), c.kind, c.context);
    for (const Op& again : layer.ops) {
      if (!again.recomputed || !again.has_shape()) continue;
      const auto forward = std::find_if(layer.ops.begin(), layer.ops.end(), [&](const Op& op) {
        return op.name == again.name && op.pass == Pass::kForward;
      });
      ASSERT_NE(forward, layer.ops.end()) << label(again);
      EXPECT_EQ(forward->shape.index(), again.shape.index());
      if (const auto* g = std::get_if<GemmDims>(&again.shape)) {
        const auto& f = std::get<GemmDims>(forward->shape);
        EXPECT_EQ((std::array{g->groups, g->rows_per_group, g->n, g->k}),
                  (std::array{f.groups, f.rows_per_group, f.n, f.k}))
            << label(again);
      }
    }
  }
}

void expect_gemm(const LayerOps& layer, const std::string& name, GemmDims expected) {
  const auto& g = std::get<GemmDims>(op_named(layer, name).shape);
  EXPECT_EQ(g.groups, expected.groups) << name;
  EXPECT_EQ(g.rows_per_group, expected.rows_per_group) << name;
  EXPECT_EQ(g.n, expected.n) << name;
  EXPECT_EQ(g.k, expected.k) << name;
}

TEST(OpShape, DeepSeekV3RoutedExpertsAtEp64) {
  // 4096 tokens x 8 experts each, spread over 256 / 64 = 4 local experts: 8192 rows each at balanced load;
  // hidden 7168, expert width 2048 (gate and up fused: 4096).
  const LayerOps layer = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, context(1, 64, Recompute::kDeepSeek));
  expect_gemm(layer, "moe.experts.gate_up", {4, 8192, 4096, 7168});
  expect_gemm(layer, "moe.experts.gate_up.dgrad", {4, 8192, 7168, 4096});
  expect_gemm(layer, "moe.experts.gate_up.wgrad", {4, 4096, 7168, 8192});  // the tokens contracted
  expect_gemm(layer, "moe.experts.down", {4, 8192, 7168, 2048});
  expect_gemm(layer, "moe.gate", {1, 4096, 256, 7168});
  // MLA: q_up from the 1536-wide latent to 128 heads x (128 + 64).
  expect_gemm(layer, "attn.q_up", {1, 4096, 128 * 192, 1536});
  const auto& core = std::get<AttentionDims>(op_named(layer, "attn.core").shape);
  EXPECT_EQ((std::array{core.batch, core.seq, core.heads, core.qk_head_dim, core.v_head_dim}),
            (std::array<std::int64_t, 5>{1, 4096, 128, 192, 128}));
  EXPECT_TRUE(core.causal);
  // A straggler receiving 1.25x the balanced share: 10240 rows per expert.
  const LayerOps straggler =
      build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, context(1, 64, Recompute::kDeepSeek, 1.25));
  expect_gemm(straggler, "moe.experts.down", {4, 10240, 7168, 2048});
}

TEST(OpShape, DeepSeekV3RoutedExpertsAtTheRoutersOwnRows) {
  // The 4 local experts of EP 64 at rows the router gave them, uneven and one idle: 0 + 1000 + 9000 + 22768 = 32768,
  // the balanced 4096 tokens x 8.
  OpContext c = context(1, 64, Recompute::kNone);
  c.routed_rows_by_expert = {0, 1000, 9000, 22768};
  const LayerOps layer = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, c);
  const LayerOps balanced =
      build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, context(1, 64, Recompute::kNone));
  const std::vector<std::int64_t> rows{0, 1000, 9000, 22768};
  for (const char* name : {"moe.experts.gate_up", "moe.experts.gate_up.dgrad", "moe.experts.gate_up.wgrad",
                           "moe.experts.down", "moe.experts.down.dgrad", "moe.experts.down.wgrad"}) {
    const Op& op = op_named(layer, name);
    const auto& g = std::get<GemmDims>(op.shape);
    EXPECT_EQ(g.tokens_by_group, rows) << name;
    // Wgrad contracts each expert's own tokens: they are its k.
    EXPECT_EQ(g.tokens_are_k, std::string(name).ends_with(".wgrad")) << name;
    // Each group's own GEMM, and the work of the groups summed is the op's (the same rows in all as balanced).
    double flops = 0;
    for (std::size_t e = 0; e < rows.size(); ++e) {
      const GemmDims one = g.group(e);
      EXPECT_EQ(one.groups, 1) << name;
      EXPECT_EQ(g.tokens_are_k ? one.k : one.rows_per_group, rows[e]) << name;
      flops += gemm_flops(one);
    }
    EXPECT_NEAR(flops / op.flops, 1.0, 1e-12) << name;
    EXPECT_DOUBLE_EQ(op.flops, op_named(balanced, name).flops) << name;
  }
  // Hand shapes: the busiest expert's gate/up (7168 -> 2 x 2048) and its Wgrad.
  const auto& gate_up = std::get<GemmDims>(op_named(layer, "moe.experts.gate_up").shape);
  const GemmDims busiest = gate_up.group(3);
  EXPECT_EQ((std::array{busiest.groups, busiest.rows_per_group, busiest.n, busiest.k}),
            (std::array<std::int64_t, 4>{1, 22768, 4096, 7168}));
  const auto& wgrad = std::get<GemmDims>(op_named(layer, "moe.experts.gate_up.wgrad").shape);
  EXPECT_EQ((std::array{wgrad.group(1).rows_per_group, wgrad.group(1).n, wgrad.group(1).k}),
            (std::array<std::int64_t, 3>{4096, 7168, 1000}));
  // The ops outside the grouped GEMMs are those of the balanced layer: the same rows in all.
  EXPECT_DOUBLE_EQ(op_named(layer, "moe.permute").hbm_bytes, op_named(balanced, "moe.permute").hbm_bytes);
  EXPECT_FALSE(std::get<GemmDims>(op_named(layer, "moe.gate").shape).uneven());  // not routed
  EXPECT_FALSE(std::get<GemmDims>(op_named(layer, "moe.shared.gate_up").shape).uneven());

  // Rows in all other than the balanced share (the MTP module's sequences less their last token) move the routed
  // ops with them: the permute reads and writes each row once, BF16, hidden 7168.
  c.routed_rows_by_expert = {4000, 4000, 4000, 4000};
  const LayerOps fewer = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, c);
  EXPECT_DOUBLE_EQ(op_named(fewer, "moe.permute").hbm_bytes, 2.0 * 16000 * 7168 * 2);
  // A count per local expert, or the layer cannot be built.
  c.routed_rows_by_expert = {8192, 8192};
  EXPECT_THROW(build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, c), Error);
}

TEST(OpShape, LlamaAtTp8HoldsAnEighthOfTheHeads) {
  // 128 query heads and 8 key/value heads of 128 over TP 8: 16 and 1; qkv_proj is 16384 to (16 + 2) x 128.
  const LayerOps layer = build_layer_ops(load_preset("llama-3.1-405b"), LayerKind::kDense, context(8, 1, Recompute::kNone));
  expect_gemm(layer, "attn.qkv_proj", {1, 4096, 18 * 128, 16384});
  expect_gemm(layer, "mlp.down", {1, 4096, 16384, 53248 / 8});
  const auto& core = std::get<AttentionDims>(op_named(layer, "attn.core").shape);
  EXPECT_EQ((std::array{core.heads, core.qk_head_dim, core.v_head_dim}), (std::array<std::int64_t, 3>{16, 128, 128}));
}

// Flash backward's count per causal pair is 2 (3 d_qk + 2 d_v): the recomputed QK^T, dP and dK, dQ over the q/k
// head dim, dV and (with dP) the v head dim. With MLA's d_qk = 192, d_v = 128 that is 1664 FLOPs per pair, 1.04x
// the 2.5x-forward rule that holds only when the dims are equal (Llama).
TEST(OpShape, AttentionBackwardFlopsFollowTheHeadDims) {
  const LayerOps layer = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, context(1, 64, Recompute::kDeepSeek));
  const Op& forward = op_named(layer, "attn.core");
  const Op& backward = op_named(layer, "attn.core.bwd");
  EXPECT_NEAR(backward.flops / forward.flops, 1664.0 / (2.0 * (192 + 128)), 1e-12);
  EXPECT_NEAR(attention_backward_flops(std::get<AttentionDims>(backward.shape)) / backward.flops, 1.0, 1e-12);
  const LayerOps llama = build_layer_ops(load_preset("llama-3.1-405b"), LayerKind::kDense, context(8, 1, Recompute::kNone));
  EXPECT_NEAR(op_named(llama, "attn.core.bwd").flops / op_named(llama, "attn.core").flops, 2.5, 1e-12);
}

}  // namespace
}  // namespace trainsim::models
