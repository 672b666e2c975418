// The grouped FP8 operands: each expert segment quantized as kernels/fp8 quantizes a matrix, in the grouped
// layout, and the grouped GEMM reference over them equal to kernels/fp8's own GEMM reference per expert.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/common/random_fill.h"
#include "kernels/fp8/fp8_scaling.h"
#include "kernels/fp8/gemm_ref.h"
#include "kernels/fp8/quantize.h"
#include "kernels/moe/grouped_fp8_ref.h"
#include "kernels/moe/grouped_gemm_ref.h"

namespace trainsim::kernels {
namespace {

constexpr int kN = 128, kK = 256;
const std::vector<int> kOffsets{0, 0, 128, 512, 640};  // an empty expert, then 128, 384 and 128 rows
const std::vector<int64_t> kOffsets64(kOffsets.begin(), kOffsets.end());

std::vector<float> random(size_t n, uint64_t seed, float stddev = 1.0f) {
  std::vector<float> v(n);
  fill_normal(v, seed, stddev);
  return v;
}

fp8::QuantizedMatrix segment(const GroupedQuantized& g, int r0, int rows, int cols) {
  fp8::QuantizedMatrix q;
  q.rows = rows, q.cols = cols, q.tiling = fp8::ScaleTiling::kRow1x128;
  q.codes.assign(g.codes.begin() + size_t(r0) * cols, g.codes.begin() + size_t(r0 + rows) * cols);
  q.scales.assign(g.scales.begin() + size_t(r0) * fp8::k_blocks(cols),
                  g.scales.begin() + size_t(r0 + rows) * fp8::k_blocks(cols));
  return q;
}

TEST(GroupedFp8Ref, SegmentsAreQuantizedAsMatricesOfTheirOwn) {
  const auto x = random(size_t(kOffsets.back()) * kK, 1);
  const auto g = quantize_grouped_rows_ref(kOffsets, x, kK);
  for (size_t e = 0; e + 1 < kOffsets.size(); ++e) {
    const int r0 = kOffsets[e], m = kOffsets[e + 1] - r0;
    if (m == 0) continue;
    const auto own = fp8::quantize_ref(std::span(x).subspan(size_t(r0) * kK, size_t(m) * kK), m, kK,
                                       fp8::ScaleTiling::kRow1x128);
    const auto got = segment(g, r0, m, kK);
    EXPECT_EQ(got.codes, own.codes);
    EXPECT_EQ(got.scales, own.scales);
  }
}

TEST(GroupedFp8Ref, DequantizeGroupedRowsInvertsTheLayout) {
  const auto x = random(size_t(kOffsets.back()) * kK, 7);
  const auto g = quantize_grouped_rows_ref(kOffsets, x, kK);
  EXPECT_EQ(dequantize_grouped_rows(kOffsets, g.codes, g.scales, kK), g.values);
}

TEST(GroupedFp8Ref, FpropEqualsFp8GemmRefPerExpert) {
  const int experts = static_cast<int>(kOffsets.size()) - 1;
  const auto x = random(size_t(kOffsets.back()) * kK, 2);
  const auto w = random(size_t(experts) * kN * kK, 3, 0.05f);
  const auto gx = quantize_grouped_rows_ref(kOffsets, x, kK);
  const auto gw = quantize_expert_weights_ref(experts, w, kN, kK);
  std::vector<double> d(size_t(kOffsets.back()) * kN);
  grouped_gemm_fprop_ref(kOffsets64, gx.values, gw.values, kN, kK, d);
  const size_t per_scales = fp8::scale_count(fp8::ScaleTiling::kBlock128x128, kN, kK);
  for (int e = 0; e < experts; ++e) {
    const int r0 = kOffsets[e], m = kOffsets[e + 1] - r0;
    if (m == 0) continue;
    fp8::QuantizedMatrix we;
    we.rows = kN, we.cols = kK, we.tiling = fp8::ScaleTiling::kBlock128x128;
    we.codes.assign(gw.codes.begin() + size_t(e) * kN * kK, gw.codes.begin() + size_t(e + 1) * kN * kK);
    we.scales.assign(gw.scales.begin() + e * per_scales, gw.scales.begin() + (e + 1) * per_scales);
    const auto want = fp8::gemm_ref(segment(gx, r0, m, kK), we);
    // NOTE: the dequantized values are code * scale rounded to float (2^-24 relative); gemm_ref applies the
    // scales in double, so the two agree to float rounding, not exactly.
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(d[size_t(r0) * kN + i], want[i], 1e-6 * (1 + std::fabs(want[i]))) << "expert " << e;
  }
}

TEST(GroupedFp8Ref, TransposedSegmentsHoldTheSameValuesUpToTheirOwnScaling) {
  const auto x = random(size_t(kOffsets.back()) * kK, 4);
  const auto rows = quantize_grouped_rows_ref(kOffsets, x, kK);
  const auto cols = quantize_grouped_rows_transposed_ref(kOffsets, x, kK);
  ASSERT_EQ(cols.values.size(), x.size());
  double err_rows = 0, err_cols = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    err_rows += std::pow(rows.values[i] - x[i], 2), err_cols += std::pow(cols.values[i] - x[i], 2), ref += x[i] * x[i];
  }
  // E4M3 keeps 3 mantissa bits: relative rounding error at most 2^-4, about 2-3% in L2 for normal data.
  EXPECT_LT(std::sqrt(err_rows / ref), 0.04);
  EXPECT_LT(std::sqrt(err_cols / ref), 0.04);
  // Wgrad over the transposed operands is the grouped reference over their (untransposed) values.
  const auto dy = random(size_t(kOffsets.back()) * kN, 5);
  const auto gdy = quantize_grouped_rows_transposed_ref(kOffsets, dy, kN);
  std::vector<double> dw(size_t(kOffsets.size() - 1) * kN * kK);
  grouped_gemm_wgrad_ref(kOffsets64, gdy.values, cols.values, kN, kK, dw);
  for (int i = 0; i < kN * kK; ++i) EXPECT_EQ(dw[i], 0.0);  // the empty expert
}

TEST(GroupedFp8Ref, TransposedQuantizationNeedsWholeTiles) {
  const std::vector<int> ragged{0, 100};
  const auto x = random(100 * kK, 6);
  EXPECT_THROW(quantize_grouped_rows_transposed_ref(ragged, x, kK), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels
