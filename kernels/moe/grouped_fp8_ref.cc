// Per-segment calls of kernels/fp8's quantize_ref; the layouts of grouped_fp8_ref.h.
#include "kernels/moe/grouped_fp8_ref.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/fp8/fp8_scaling.h"
#include "kernels/fp8/quantize.h"

namespace trainsim::kernels {

size_t grouped_row_scale_count(int total_rows, int cols) { return size_t(total_rows) * fp8::k_blocks(cols); }
size_t grouped_transposed_scale_count(int total_rows, int cols) { return size_t(cols) * fp8::k_blocks(total_rows); }
size_t expert_weight_scale_count(int experts, int n, int k) {
  return size_t(experts) * fp8::scale_count(fp8::ScaleTiling::kBlock128x128, n, k);
}

namespace {
void append(GroupedQuantized& out, const fp8::QuantizedMatrix& q, size_t code_at, size_t scale_at) {
  std::copy(q.codes.begin(), q.codes.end(), out.codes.begin() + code_at);
  std::copy(q.scales.begin(), q.scales.end(), out.scales.begin() + scale_at);
}
}  // namespace

GroupedQuantized quantize_grouped_rows_ref(std::span<const int> offsets, std::span<const float> x, int cols) {
  const int rows = offsets.back();
  GroupedQuantized out{std::vector<uint8_t>(size_t(rows) * cols), std::vector<float>(grouped_row_scale_count(rows, cols), 1.0f),
                       std::vector<float>(size_t(rows) * cols)};
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const int r0 = offsets[e], m = offsets[e + 1] - offsets[e];
    if (m == 0) continue;
    const auto q = fp8::quantize_ref(x.subspan(size_t(r0) * cols, size_t(m) * cols), m, cols, fp8::ScaleTiling::kRow1x128);
    append(out, q, size_t(r0) * cols, size_t(r0) * fp8::k_blocks(cols));
    const auto v = fp8::dequantize_ref(q);
    std::copy(v.begin(), v.end(), out.values.begin() + size_t(r0) * cols);
  }
  return out;
}

GroupedQuantized quantize_grouped_rows_transposed_ref(std::span<const int> offsets, std::span<const float> x, int cols) {
  const int rows = offsets.back();
  GroupedQuantized out{std::vector<uint8_t>(size_t(rows) * cols),
                       std::vector<float>(grouped_transposed_scale_count(rows, cols), 1.0f),
                       std::vector<float>(size_t(rows) * cols)};
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const int r0 = offsets[e], m = offsets[e + 1] - offsets[e];
    if (m == 0) continue;
    if (r0 % fp8::kScaleTile != 0 || m % fp8::kScaleTile != 0)
      throw std::invalid_argument("transposed grouped quantization needs segments of whole 128-row tiles");
    const auto q = fp8::quantize_transposed_ref(x.subspan(size_t(r0) * cols, size_t(m) * cols), m, cols,
                                                fp8::ScaleTiling::kRow1x128);
    append(out, q, size_t(cols) * r0, size_t(cols) * (r0 / fp8::kScaleTile));
    const auto v = fp8::dequantize_ref(q);  // cols x m
    for (int c = 0; c < cols; ++c)
      for (int r = 0; r < m; ++r) out.values[size_t(r0 + r) * cols + c] = v[size_t(c) * m + r];
  }
  return out;
}

GroupedQuantized quantize_expert_weights_ref(int experts, std::span<const float> w, int n, int k) {
  const size_t per_expert_scales = fp8::scale_count(fp8::ScaleTiling::kBlock128x128, n, k);
  GroupedQuantized out{std::vector<uint8_t>(size_t(experts) * n * k), std::vector<float>(experts * per_expert_scales, 1.0f),
                       std::vector<float>(size_t(experts) * n * k)};
  for (int e = 0; e < experts; ++e) {
    const auto q = fp8::quantize_ref(w.subspan(size_t(e) * n * k, size_t(n) * k), n, k, fp8::ScaleTiling::kBlock128x128);
    append(out, q, size_t(e) * n * k, e * per_expert_scales);
    const auto v = fp8::dequantize_ref(q);
    std::copy(v.begin(), v.end(), out.values.begin() + size_t(e) * n * k);
  }
  return out;
}

std::vector<float> dequantize_grouped_rows(std::span<const int> offsets, std::span<const uint8_t> codes,
                                           std::span<const float> scales, int cols) {
  std::vector<float> out(size_t(offsets.back()) * cols);
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const int r0 = offsets[e], m = offsets[e + 1] - r0;
    if (m == 0) continue;
    fp8::QuantizedMatrix q;
    q.rows = m, q.cols = cols, q.tiling = fp8::ScaleTiling::kRow1x128;
    q.codes.assign(codes.begin() + size_t(r0) * cols, codes.begin() + size_t(r0 + m) * cols);
    q.scales.assign(scales.begin() + size_t(r0) * fp8::k_blocks(cols), scales.begin() + size_t(r0 + m) * fp8::k_blocks(cols));
    const auto v = fp8::dequantize_ref(q);
    std::copy(v.begin(), v.end(), out.begin() + size_t(r0) * cols);
  }
  return out;
}

}  // namespace trainsim::kernels
