// CPU reference of the grouped FP8 operands: each expert's segment of the expert-contiguous layout quantized
// on its own with kernels/fp8's quantize_ref (1x128 rows, 128x1 for Wgrad, 128x128 weight blocks), in the
// layout sm90_fp8_grouped_gemm.h gives the device; with the dequantized values the FP64 GEMM references read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace trainsim::kernels {

// Layout of grouped 1x128 rows: segment e (rows offsets[e] .. offsets[e+1]) has its codes at offsets[e] * cols
// and its scales, the kernels/fp8 layout of a rows_e x cols matrix, at offsets[e] * k_blocks(cols).
// Transposed segments (Wgrad operands): x_e^T (cols x rows_e) codes at cols * offsets[e], scales at
// cols * offsets[e] / 128 (segments are multiples of 128 rows). Weights: expert e's n x k codes at e * n * k,
// its 128x128 block scales at e * scale_count(kBlock128x128, n, k).
size_t grouped_row_scale_count(int total_rows, int cols);
size_t grouped_transposed_scale_count(int total_rows, int cols);
size_t expert_weight_scale_count(int experts, int n, int k);

struct GroupedQuantized {
  std::vector<uint8_t> codes;
  std::vector<float> scales;
  std::vector<float> values;  // dequantized, in the untransposed row-major layout of the input
};

// x: offsets.back() x cols. Empty experts hold nothing.
GroupedQuantized quantize_grouped_rows_ref(std::span<const int> offsets, std::span<const float> x, int cols);
// The 128x1 tiles of each segment (its transpose quantized 1x128); values come back untransposed.
GroupedQuantized quantize_grouped_rows_transposed_ref(std::span<const int> offsets, std::span<const float> x, int cols);
// w: experts x n x k; values untransposed. The transposed blocks (Dgrad's W^T) dequantize to the same values.
GroupedQuantized quantize_expert_weights_ref(int experts, std::span<const float> w, int n, int k);

// Values of grouped 1x128 rows in the layout above (e.g. codes and scales read back from the device).
std::vector<float> dequantize_grouped_rows(std::span<const int> offsets, std::span<const uint8_t> codes,
                                           std::span<const float> scales, int cols);

}  // namespace trainsim::kernels
