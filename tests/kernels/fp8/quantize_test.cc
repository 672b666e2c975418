// Quantization tilings (1x128, 128x128, the transposed 128x1), scale layout with ragged shapes, scale rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/common/random_fill.h"
#include "kernels/fp8/e4m3.h"
#include "kernels/fp8/quantize.h"

namespace trainsim::kernels::fp8 {
namespace {

std::vector<float> normal(int rows, int cols, uint64_t seed, float stddev = 1.0f) {
  std::vector<float> x(static_cast<size_t>(rows) * cols);
  fill_normal(x, seed, stddev);
  return x;
}

TEST(ScaleLayout, CountsAndStridesForRaggedShapes) {
  EXPECT_EQ(k_blocks(300), 3);
  EXPECT_EQ(scale_count(ScaleTiling::kRow1x128, 201, 300), 603);
  EXPECT_EQ(scale_count(ScaleTiling::kBlock128x128, 201, 300), 8);  // 2 block rows of 3 k-blocks, padded to 4
  // Per-row: k-block-major, rows contiguous. Blocks: row-major over blocks, k-blocks contiguous.
  EXPECT_EQ(scale_index(ScaleTiling::kRow1x128, 201, 300, 5, 260), 2 * 201 + 5);
  EXPECT_EQ(scale_index(ScaleTiling::kBlock128x128, 201, 300, 130, 129), 1 * 4 + 1);
}

// Every tile's scale is its amax / 448, its largest element encodes to +-448, and each element is within
// half an E4M3 step of its exact value.
void expect_tile_rules(const std::vector<float>& x, int rows, int cols, const QuantizedMatrix& q, int tile_rows,
                       int tile_cols) {
  for (int r0 = 0; r0 < rows; r0 += tile_rows)
    for (int c0 = 0; c0 < cols; c0 += tile_cols) {
      float amax = 0;
      for (int r = r0; r < std::min(rows, r0 + tile_rows); ++r)
        for (int c = c0; c < std::min(cols, c0 + tile_cols); ++c)
          amax = std::max(amax, std::fabs(x[static_cast<size_t>(r) * cols + c]));
      for (int r = r0; r < std::min(rows, r0 + tile_rows); ++r)
        for (int c = c0; c < std::min(cols, c0 + tile_cols); ++c) {
          ASSERT_EQ(q.scale(r, c), amax / 448.0f) << r << "," << c;
          const float v = x[static_cast<size_t>(r) * cols + c];
          const float deq = q.value(r, c);
          // 3 mantissa bits: half a step is 2^-4 relative for normals, 2^-10 * scale in the subnormal range.
          EXPECT_LE(std::fabs(deq - v), std::max(std::fabs(v) * 0.0625f, q.scale(r, c) * std::ldexp(1.0f, -10)) * 1.0001f);
          if (std::fabs(v) == amax) {
            EXPECT_EQ(std::fabs(e4m3_to_float(q.codes[static_cast<size_t>(r) * cols + c])), 448.0f);
          }
        }
    }
}

TEST(Quantize, Row1x128TilesWithRaggedRowsAndCols) {
  const int rows = 200, cols = 300;
  const auto x = normal(rows, cols, 1, 3.0f);
  const QuantizedMatrix q = quantize_ref(x, rows, cols, ScaleTiling::kRow1x128);
  EXPECT_EQ(q.scales.size(), 600u);
  expect_tile_rules(x, rows, cols, q, 1, 128);
}

TEST(Quantize, Block128x128WithRaggedEdges) {
  const int rows = 257, cols = 200;
  const auto x = normal(rows, cols, 2, 0.02f);
  const QuantizedMatrix q = quantize_ref(x, rows, cols, ScaleTiling::kBlock128x128);
  EXPECT_EQ(q.scales.size(), 12u);  // 3 block rows x (2 k-blocks padded to 4)
  expect_tile_rules(x, rows, cols, q, 128, 128);
}

TEST(Quantize, TransposedIsThe128x1TilingOfTheOriginal) {
  const int rows = 300, cols = 72;  // tokens not a multiple of 128
  const auto x = normal(rows, cols, 3);
  const QuantizedMatrix qt = quantize_transposed_ref(x, rows, cols, ScaleTiling::kRow1x128);
  ASSERT_EQ(qt.rows, cols);
  ASSERT_EQ(qt.cols, rows);
  for (int c = 0; c < cols; ++c)
    for (int r0 = 0; r0 < rows; r0 += 128) {
      float amax = 0;  // a 128x1 tile of x: 128 rows of one column
      for (int r = r0; r < std::min(rows, r0 + 128); ++r) amax = std::max(amax, std::fabs(x[static_cast<size_t>(r) * cols + c]));
      EXPECT_EQ(qt.scale(c, r0), amax / 448.0f);
      for (int r = r0; r < std::min(rows, r0 + 128); ++r)
        EXPECT_EQ(qt.codes[static_cast<size_t>(c) * rows + r], float_to_e4m3(x[static_cast<size_t>(r) * cols + c] / (amax / 448.0f)));
    }
}

TEST(Quantize, TransposedBlocksAreTheBlocksTransposed) {
  const int rows = 256, cols = 384;
  const auto w = normal(rows, cols, 4, 0.05f);
  const QuantizedMatrix q = quantize_ref(w, rows, cols, ScaleTiling::kBlock128x128);
  const QuantizedMatrix qt = quantize_transposed_ref(w, rows, cols, ScaleTiling::kBlock128x128);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      ASSERT_EQ(qt.codes[static_cast<size_t>(c) * rows + r], q.codes[static_cast<size_t>(r) * cols + c]);
      ASSERT_EQ(qt.scale(c, r), q.scale(r, c));
    }
}

TEST(Quantize, PowerOfTwoScalesRoundUp) {
  const int rows = 4, cols = 256;
  const auto x = normal(rows, cols, 5, 7.0f);
  const QuantizedMatrix q = quantize_ref(x, rows, cols, ScaleTiling::kRow1x128, true);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; c += 128) {
      int exponent = 0;
      EXPECT_EQ(std::frexp(q.scale(r, c), &exponent), 0.5f);
      float amax = 0;
      for (int cc = c; cc < c + 128; ++cc) amax = std::max(amax, std::fabs(x[static_cast<size_t>(r) * cols + cc]));
      EXPECT_GE(q.scale(r, c) * 448.0f, amax);
      EXPECT_LT(q.scale(r, c) * 224.0f, amax);
    }
  EXPECT_EQ(compute_scale(448.0f, true), 1.0f);
  EXPECT_EQ(compute_scale(449.0f, true), 2.0f);
}

TEST(Quantize, ZeroTileGetsScaleOneAndZeroCodes) {
  std::vector<float> x(256, 0.0f);
  x[200] = 1.0f;
  const QuantizedMatrix q = quantize_ref(x, 1, 256, ScaleTiling::kRow1x128);
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.codes[0], 0);
  EXPECT_EQ(q.scales[1], 1.0f / 448.0f);  // second k-block of the one row
}

TEST(Quantize, DequantizeInvertsWithinRounding) {
  const int rows = 130, cols = 256;
  const auto x = normal(rows, cols, 6);
  const auto deq = dequantize_ref(quantize_ref(x, rows, cols, ScaleTiling::kRow1x128));
  double diff = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    diff += (deq[i] - x[i]) * double(deq[i] - x[i]);
    ref += x[i] * double(x[i]);
  }
  EXPECT_LT(std::sqrt(diff / ref), 0.04);  // E4M3 rounding: about 2^-4 / sqrt(3) relative RMS, less with subnormals
  EXPECT_GT(std::sqrt(diff / ref), 0.005);
}

TEST(Quantize, RejectsMismatchedSizes) {
  std::vector<float> x(10, 1.0f);
  EXPECT_THROW(quantize_ref(x, 3, 4, ScaleTiling::kRow1x128), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::fp8
