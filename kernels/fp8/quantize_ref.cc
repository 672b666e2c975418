// CPU reference of FP8 quantization: the max-abs of each tile, its scale, then x / scale encoded with
// round-to-nearest-even and saturation (e4m3.h). Float division, as the device kernels do, for bit-exactness.
#include "kernels/fp8/quantize.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/fp8/e4m3.h"

namespace trainsim::kernels::fp8 {

float QuantizedMatrix::value(int row, int col) const {
  return e4m3_to_float(codes[static_cast<size_t>(row) * cols + col]) * scale(row, col);
}

QuantizedMatrix quantize_ref(std::span<const float> x, int rows, int cols, ScaleTiling tiling,
                             bool power_of_two_scales) {
  if (rows <= 0 || cols <= 0 || x.size() != static_cast<size_t>(rows) * cols)
    throw std::invalid_argument("quantize_ref: x must hold rows * cols values, both positive");
  QuantizedMatrix q;
  q.rows = rows;
  q.cols = cols;
  q.tiling = tiling;
  q.codes.resize(x.size());
  q.scales.assign(scale_count(tiling, rows, cols), 1.0f);
  auto at = [&](int r, int c) { return x[static_cast<size_t>(r) * cols + c]; };
  // The tile containing (r, c): its row and column ranges.
  const int tile_rows = tiling == ScaleTiling::kBlock128x128 ? kScaleTile : 1;
  const int tile_cols = tiling == ScaleTiling::kRowWhole ? cols : kScaleTile;
  for (int r0 = 0; r0 < rows; r0 += tile_rows) {
    const int r1 = std::min(rows, r0 + tile_rows);
    for (int c0 = 0; c0 < cols; c0 += tile_cols) {
      const int c1 = std::min(cols, c0 + tile_cols);
      float amax = 0.0f;
      for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) amax = std::max(amax, std::fabs(at(r, c)));
      const float scale = compute_scale(amax, power_of_two_scales);
      for (int r = r0; r < r1; ++r) {
        for (int c = c0; c < c1; ++c) q.codes[static_cast<size_t>(r) * cols + c] = float_to_e4m3(at(r, c) / scale);
        for (int c = c0; c < c1; c += kScaleTile) q.scales[scale_index(tiling, rows, cols, r, c)] = scale;
      }
    }
  }
  return q;
}

QuantizedMatrix quantize_transposed_ref(std::span<const float> x, int rows, int cols, ScaleTiling tiling,
                                        bool power_of_two_scales) {
  if (rows <= 0 || cols <= 0 || x.size() != static_cast<size_t>(rows) * cols)
    throw std::invalid_argument("quantize_transposed_ref: x must hold rows * cols values, both positive");
  std::vector<float> xt(x.size());
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) xt[static_cast<size_t>(c) * rows + r] = x[static_cast<size_t>(r) * cols + c];
  return quantize_ref(xt, cols, rows, tiling, power_of_two_scales);
}

std::vector<float> dequantize_ref(const QuantizedMatrix& q) {
  std::vector<float> out(q.codes.size());
  for (int r = 0; r < q.rows; ++r)
    for (int c = 0; c < q.cols; ++c) out[static_cast<size_t>(r) * q.cols + c] = q.value(r, c);
  return out;
}

}  // namespace trainsim::kernels::fp8
