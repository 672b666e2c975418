// The GEMM references: FP64 reference against a naive product of dequantized operands, the three training
// GEMMs against unquantized FP64 and against each other, and the tensor-core accumulation model.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "kernels/common/error_metrics.h"
#include "kernels/common/random_fill.h"
#include "kernels/fp8/deepseek_v3_shapes.h"
#include "kernels/fp8/gemm_ref.h"
#include "kernels/fp8/training_gemm.h"

namespace trainsim::kernels::fp8 {
namespace {

std::vector<float> normal(int rows, int cols, uint64_t seed, float stddev = 1.0f) {
  std::vector<float> x(static_cast<size_t>(rows) * cols);
  fill_normal(x, seed, stddev);
  return x;
}

double relative_l2(const std::vector<double>& out, const std::vector<double>& ref) {
  double d = 0, r = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    d += (out[i] - ref[i]) * (out[i] - ref[i]);
    r += ref[i] * ref[i];
  }
  return std::sqrt(d / r);
}

// C[i,j] = sum_k P[i,k] Q[j,k] in FP64 over float matrices (P: m x k, Q: n x k).
std::vector<double> naive_abt(const std::vector<float>& p, const std::vector<float>& q, int m, int n, int k) {
  std::vector<double> c(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int kk = 0; kk < k; ++kk) s += double(p[size_t(i) * k + kk]) * q[size_t(j) * k + kk];
      c[size_t(i) * n + j] = s;
    }
  return c;
}
std::vector<float> transpose(const std::vector<float>& x, int rows, int cols) {
  std::vector<float> t(x.size());
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) t[size_t(c) * rows + r] = x[size_t(r) * cols + c];
  return t;
}

TEST(GemmRef, EqualsNaiveProductOfDequantizedOperands) {
  const int m = 70, n = 130, k = 320;  // ragged in every dimension
  const auto a = quantize_ref(normal(m, k, 10), m, k, ScaleTiling::kRow1x128);
  const auto b = quantize_ref(normal(n, k, 11, 0.1f), n, k, ScaleTiling::kBlock128x128);
  const auto d = gemm_ref(a, b);
  const auto naive = naive_abt(dequantize_ref(a), dequantize_ref(b), m, n, k);
  EXPECT_LT(relative_l2(d, naive), 1e-6);  // the naive side dequantizes in float
}

struct Layer {
  int tokens, in, out;
};

// Each training GEMM through the FP8 path is close to the unquantized FP64 product it stands for.
TEST(GemmRef, FpropDgradWgradApproximateTheirUnquantizedProducts) {
  const Layer l{200, 256, 192};  // tokens ragged
  const auto x = normal(l.tokens, l.in, 20), w = normal(l.out, l.in, 21, 0.05f), dy = normal(l.tokens, l.out, 22, 1e-3f);
  // Unquantized: Y = X W^T, dX = dY W = dY (W^T)^T, dW = dY^T X.
  const auto y = naive_abt(x, w, l.tokens, l.out, l.in);
  const auto dx = naive_abt(dy, transpose(w, l.out, l.in), l.tokens, l.in, l.out);
  const auto dw = naive_abt(transpose(dy, l.tokens, l.out), transpose(x, l.tokens, l.in), l.out, l.in, l.tokens);
  const std::pair<GemmKind, const std::vector<double>*> cases[] = {
      {GemmKind::kFprop, &y}, {GemmKind::kDgrad, &dx}, {GemmKind::kWgrad, &dw}};
  for (const auto& [kind, exact] : cases) {
    const auto ops = kind == GemmKind::kFprop   ? make_training_operands(kind, l.tokens, l.in, l.out, x, w)
                     : kind == GemmKind::kDgrad ? make_training_operands(kind, l.tokens, l.in, l.out, dy, w)
                                                : make_training_operands(kind, l.tokens, l.in, l.out, dy, x);
    const GemmShape s = training_gemm_shape(kind, l.tokens, l.in, l.out);
    ASSERT_EQ(ops.a.rows, s.m);
    ASSERT_EQ(ops.b.rows, s.n);
    ASSERT_EQ(ops.a.cols, s.k);
    const double err = relative_l2(gemm_ref(ops.a, ops.b), *exact);
    EXPECT_LT(err, 0.06) << to_string(kind);  // two E4M3 roundings of about 2-3% RMS each
    EXPECT_GT(err, 0.005) << to_string(kind);
  }
}

// Dgrad's B is Fprop's quantized W read transposed, so Dgrad equals dY_q W_q exactly (the same codes).
TEST(GemmRef, DgradUsesTheSameQuantizedWeightAsFprop) {
  const Layer l{128, 256, 384};
  const auto w = normal(l.out, l.in, 30, 0.05f), dy = normal(l.tokens, l.out, 31);
  const auto fprop_w = quantize_ref(w, l.out, l.in, ScaleTiling::kBlock128x128);
  const auto ops = make_training_operands(GemmKind::kDgrad, l.tokens, l.in, l.out, dy, w);
  const auto expected = naive_abt(dequantize_ref(ops.a), transpose(dequantize_ref(fprop_w), l.out, l.in), l.tokens, l.in, l.out);
  EXPECT_LT(relative_l2(gemm_ref(ops.a, ops.b), expected), 1e-6);
}

TEST(TensorCoreModel, TruncatesBelowTheKeptBits) {
  const double tiny[] = {std::ldexp(1.0, -14)};
  EXPECT_EQ(truncated_accumulate(1.0f, tiny, 14), 1.0f);                       // below 2^-13 of the leading one
  EXPECT_EQ(truncated_accumulate(1.0f, tiny, 15), 1.0f + std::ldexp(1.0f, -14));
  const double terms[] = {3.0, -1.0, 0.5};
  EXPECT_EQ(truncated_accumulate(0.0f, terms, 14), 2.5f);                       // exact when nothing is lost
}

double model_error(int k, bool promote, uint64_t seed) {
  const int m = 16, n = 16;
  const auto a = quantize_ref(normal(m, k, seed), m, k, ScaleTiling::kRowWhole);
  const auto b = quantize_ref(normal(n, k, seed + 1), n, k, ScaleTiling::kRowWhole);
  const auto ref = gemm_ref(a, b);
  const auto out = gemm_tensor_core_model(a, b, TensorCoreAccumulation{}, promote);
  return compare(out, ref).relative_l2;
}

// Without promotion the error grows with K (DeepSeek-V3 tech report: nearly 2% at K = 4096 on H800);
// promotion every 128 keeps it near FP32 accumulation.
TEST(TensorCoreModel, ErrorGrowsWithKWithoutPromotion) {
  const double e512 = model_error(512, false, 40), e4096 = model_error(4096, false, 40), e16384 = model_error(16384, false, 40);
  EXPECT_LT(e512, e4096);
  EXPECT_LT(e4096, e16384);
  EXPECT_GT(e4096, 1e-3);
  const double p4096 = model_error(4096, true, 40), p16384 = model_error(16384, true, 40);
  EXPECT_LT(p4096, e4096 / 5);
  EXPECT_LT(p16384, 1e-3);
}

TEST(GemmRef, RoundsOutputsToBf16OrFp32) {
  const double d[] = {1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -20), -3.0};  // above the BF16 midpoint
  const auto bf16 = round_output(d, OutputType::kBF16);
  EXPECT_EQ(bf16[0], 1.0f + std::ldexp(1.0f, -7));
  EXPECT_EQ(bf16[1], -3.0f);
  EXPECT_EQ(round_output(d, OutputType::kFP32)[0], static_cast<float>(d[0]));
}

TEST(GemmRef, RejectsOperandsOfDifferentK) {
  const auto a = quantize_ref(normal(4, 128, 50), 4, 128, ScaleTiling::kRow1x128);
  const auto b = quantize_ref(normal(4, 256, 51), 4, 256, ScaleTiling::kRow1x128);
  EXPECT_THROW(gemm_ref(a, b), std::invalid_argument);
  EXPECT_THROW(gemm_tensor_core_model(a, b, {}, true), std::invalid_argument);
}

TEST(TensorCoreModel, RejectsAGroupThatDoesNotDivide128) {
  const auto a = quantize_ref(normal(4, 128, 52), 4, 128, ScaleTiling::kRow1x128);
  EXPECT_THROW(gemm_tensor_core_model(a, a, {14, 48}, true), std::invalid_argument);
}

TEST(DeepSeekV3Shapes, EveryLayerHasThreeGemmsAndDeepGemmAnchors) {
  const auto shapes = deepseek_v3_bench_shapes();
  EXPECT_EQ(shapes.size(), deepseek_v3_linear_layers().size() * 3);
  int anchors = 0;
  for (const auto& s : shapes) {
    if (s.deepgemm_h800_tflops) ++anchors;
    EXPECT_EQ(s.shape.k % 16, 0) << s.layer;  // TMA rows must be multiples of 16 bytes
  }
  EXPECT_EQ(anchors, 6);
  const GemmShape q_b = training_gemm_shape(GemmKind::kFprop, 4096, 1536, 128 * 192);
  EXPECT_EQ(q_b.n, 24576);
  const GemmShape w = training_gemm_shape(GemmKind::kWgrad, 4096, 1536, 24576);
  EXPECT_EQ(w.m, 24576);
  EXPECT_EQ(w.k, 4096);
}

}  // namespace
}  // namespace trainsim::kernels::fp8
