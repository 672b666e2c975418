// Summaries of profiled traces: the small trace made for the test (sums worked by hand from its kernels), and
// DeepSeek's public H800 trace against the figures issue 13 quotes from it.
#include "hardware/trace_summary.h"

#include <gtest/gtest.h>

#include "tests/hardware/small_kineto_trace.h"

namespace trainsim::hw {
namespace {

const std::string kDeepSeekTrace =
    std::string(TRAINSIM_SOURCE_DIR) + "/hardware/calibration/traces/deepseek-v3-h800-train.json";
constexpr auto F = TracePass::kForward;
constexpr auto B = TracePass::kBackward;

TEST(TraceSummary, PassComesFromAnnotationsThenAutogradOps) {
  GpuKernel k;
  EXPECT_EQ(pass_of(k), F);
  k.annotations = {"1F1B", "mlp(W)"};
  EXPECT_EQ(pass_of(k), B);
  EXPECT_EQ(block_of(k), "mlp");
  k.annotations = {"backward step", "attn(F)"};  // the innermost marked annotation decides
  EXPECT_EQ(pass_of(k), F);
  k.annotations = {"ProfilerStep#3"};
  k.cpu_ops = {"autograd::engine::evaluate_function: AddmmBackward0", "AddmmBackward0", "aten::mm"};
  EXPECT_EQ(pass_of(k), B);
  EXPECT_EQ(block_of(k), "ProfilerStep#3");
  EXPECT_EQ(block_of(GpuKernel{}), "(none)");
}

// The small trace's kernels (us): attn(F): flash fwd 50, attention projection 20, gate GEMM 5; mlp(F): grouped
// 40, shared-expert GEMM 10, mystery 3; attn(B) from autograd's thread: flash bwd 120; under MmBackward0 outside
// any block: an unplaceable GEMM 7; combine(F): DeepEP notify 4 + combine 30 on stream 27, a memset 1; an
// orphan kernel 2 with no launch.
TEST(TraceSummary, SmallTraceByKindPassAndBlock) {
  const TraceSummary s = summarize_trace(read_kineto_trace(kSmallKinetoTrace));
  constexpr double us = 1e-6, tol = 1e-12;
  EXPECT_EQ(s.device, "NVIDIA H800 (132 SMs)");
  EXPECT_EQ(s.kernel_count, 12);
  EXPECT_NEAR(s.kernel_seconds, (50 + 20 + 5 + 40 + 10 + 3 + 120 + 7 + 4 + 30 + 1 + 2) * us, tol);
  EXPECT_NEAR(s.wall_seconds, (2802 - 2000) * us, tol);
  EXPECT_NEAR(s.kind_seconds("attention_core", F), 50 * us, tol);
  EXPECT_NEAR(s.kind_seconds("attention_core", B), 120 * us, tol);
  EXPECT_NEAR(s.kind_seconds("projection", F), 20 * us, tol);
  EXPECT_NEAR(s.kind_seconds("router", F), 5 * us, tol);
  EXPECT_NEAR(s.kind_seconds("expert_gemm", F), 40 * us, tol);
  EXPECT_NEAR(s.kind_seconds("mlp_gemm", F), 10 * us, tol);
  EXPECT_NEAR(s.kind_seconds("ep_combine", F), 34 * us, tol);
  EXPECT_NEAR(s.kind_seconds("memcpy_memset", F), 1 * us, tol);
  EXPECT_NEAR(s.kind_seconds("unplaced", F), (3 + 2) * us, tol);
  EXPECT_NEAR(s.kind_seconds("unplaced", B), 7 * us, tol);
  EXPECT_NEAR(s.block_seconds("attn", F), 75 * us, tol);
  EXPECT_NEAR(s.block_seconds("mlp", F), 53 * us, tol);
  EXPECT_NEAR(s.block_seconds("attn", B), 120 * us, tol);
  EXPECT_NEAR(s.block_seconds("combine", F), 35 * us, tol);
  EXPECT_NEAR(s.block_seconds("ProfilerStep#1", B), 7 * us, tol);
  EXPECT_NEAR(s.block_seconds("(none)", F), 2 * us, tol);
  EXPECT_NEAR(s.kind_in_block_seconds("attn", F, "attention_core"), 50 * us, tol);
  ASSERT_EQ(s.unplaced.size(), 3u);  // longest first
  EXPECT_NE(s.unplaced[0].name.find("sm90_xmma_gemm_bf16bf16"), std::string::npos);
  EXPECT_NE(s.unplaced[0].reason.find("dense GEMM"), std::string::npos);
  EXPECT_EQ(s.unplaced[1].name, "mystery_kernel");
  EXPECT_EQ(s.unplaced[2].name, "orphan_kernel");
  EXPECT_EQ(s.unplaced[2].time.count, 1);
}

// DeepSeek's trace of one DualPipe F&B chunk pair (4 MoE layers per chunk, EP64, H800), grouped by DualPipe's
// own annotations: attn(F), mlp(F), attn(B)+attn(W), mlp(B)+mlp(W), dispatch(F), combine(F), dispatch(B),
// combine(B). Expected values: the figures issue 13 quotes from this trace (docs/sources.md#deepseek-v3-profile).
// Tolerance 2%: the issue rounds to 0.01-0.1 ms and a colleague's grouping may differ by a few small kernels.
class DeepSeekTrace : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { summary_ = new TraceSummary(summarize_trace(read_kineto_trace(kDeepSeekTrace))); }
  static void TearDownTestSuite() { delete summary_; }
  static double ms(double seconds) { return seconds * 1e3; }
  static const TraceSummary& s() { return *summary_; }
  static inline TraceSummary* summary_ = nullptr;
};

void expect_within_2_percent(double measured_ms, double quoted_ms, const char* what) {
  EXPECT_NEAR(measured_ms, quoted_ms, 0.02 * quoted_ms) << what;
}

TEST_F(DeepSeekTrace, ReadsTheDeviceAndPlacesEveryKernel) {
  EXPECT_EQ(s().device, "NVIDIA H800 (132 SMs)");
  EXPECT_EQ(s().kernel_count, 983);  // 963 kernels, 12 memsets, 8 memcpys
  EXPECT_TRUE(s().unplaced.empty()) << s().unplaced.front().name;
  // Issue 13: "the trace shows 129 ms" for the pair, first kernel start to last kernel end.
  EXPECT_NEAR(ms(s().wall_seconds), 129, 0.02 * 129);
}

TEST_F(DeepSeekTrace, BlocksMatchTheFiguresQuotedFromIt) {
  expect_within_2_percent(ms(s().block_seconds("attn", F)), 17.45, "attention block, forward");
  expect_within_2_percent(ms(s().kind_in_block_seconds("attn", F, "attention_core")), 4.95, "flash fwd core");
  expect_within_2_percent(ms(s().block_seconds("mlp", F)), 18.41, "MoE block, forward");
  expect_within_2_percent(ms(s().kind_in_block_seconds("mlp", F, "expert_gemm")), 11.59, "expert GEMMs, forward");
  expect_within_2_percent(ms(s().block_seconds("attn", B)), 46.91, "attention, backward + weight grads");
  expect_within_2_percent(ms(s().block_seconds("mlp", B)), 46.73, "MoE, backward + weight grads");
  // NOTE: DualPipe's dispatch(B) is the dispatch's gradient, which DeepEP sends back with its combine kernel;
  // combine(B) runs a dispatch kernel and the FP8 cast of the gradients ahead of it (1.08 ms, included in 23.1).
  expect_within_2_percent(ms(s().block_seconds("dispatch", F)), 26.8, "dispatch F, waits included");
  expect_within_2_percent(ms(s().block_seconds("combine", F)), 34.7, "combine F, waits included");
  expect_within_2_percent(ms(s().block_seconds("dispatch", B)), 30.0, "dispatch B, waits included");
  expect_within_2_percent(ms(s().block_seconds("combine", B)), 23.1, "combine B, waits included");
}

TEST_F(DeepSeekTrace, Fp8CastsAndTransposes) {
  // Issue 13 quotes "about 18 ms per pair". The quantize kind (per-token and per-channel casts, the transposed
  // re-casts, cast-backs, FP8 and scale transposes) sums to 15.9 ms: 5.91 per-token casts, 5.91 per-channel
  // cast-and-transposes, 1.32 batched transposes, 0.97 + 0.56 cast-backs, 0.74 special-format casts, 0.50
  // DeepGEMM operand transposes. The fused SwiGLU-and-cast kernels (0.75 ms) count as SwiGLU here; with them
  // and the permute's gather with FP8 scales (expand_to_fused_with_scales, 1.46 ms) the sum is 18.1 ms, which
  // is likely what "about 18" counted. We keep those kernels with the op they implement, so the check is the
  // quantize kind against 15.9 ms (summed from the trace by hand) and the wider set against the quoted 18.
  const double quantize_ms = ms(s().kind_seconds("quantize", F) + s().kind_seconds("quantize", B));
  EXPECT_NEAR(quantize_ms, 15.9, 0.02 * 15.9);
  EXPECT_NEAR(quantize_ms + 0.75 + 1.46, 18.0, 0.02 * 18.0);
}

TEST_F(DeepSeekTrace, KindsAddUpToTheBlocks) {
  // Conservation: every kernel is in one kind and one block of its pass.
  for (TracePass pass : {F, B}) {
    double by_kind = 0, by_block = 0;
    for (const auto& [kind, passes] : s().by_kind) by_kind += s().kind_seconds(kind, pass);
    for (const auto& [block, passes] : s().by_block) by_block += s().block_seconds(block, pass);
    EXPECT_NEAR(by_kind, by_block, 1e-9);
  }
  EXPECT_NEAR(s().kind_seconds("expert_gemm", F), s().kind_in_block_seconds("mlp", F, "expert_gemm"), 1e-12);
}

}  // namespace
}  // namespace trainsim::hw
