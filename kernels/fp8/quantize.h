// FP8 E4M3 quantization with online max-abs scaling (1x128 tiles, 128x128 blocks, their transposes) and
// dequantization: the CPU reference, bit-exact with the device kernels of sm90_fp8_quantize.cuh.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/fp8/fp8_scaling.h"

namespace trainsim::kernels::fp8 {

// A quantized rows x cols matrix, K-major (cols is the reduction dimension), with its scales.
struct QuantizedMatrix {
  int rows = 0;
  int cols = 0;
  ScaleTiling tiling = ScaleTiling::kRow1x128;
  std::vector<uint8_t> codes;  // rows * cols E4M3 codes, row-major
  std::vector<float> scales;   // scale_count(tiling, rows, cols), layout of fp8_scaling.h

  float scale(int row, int col) const { return scales[scale_index(tiling, rows, cols, row, col)]; }
  float value(int row, int col) const;  // dequantized element
};

// Quantizes x (rows x cols, row-major).
QuantizedMatrix quantize_ref(std::span<const float> x, int rows, int cols, ScaleTiling tiling,
                             bool power_of_two_scales = false);
// Quantizes x^T (cols x rows): with kRow1x128 these are the 128x1 tiles of x the backward pass needs;
// with kBlock128x128 the blocks (and scales) of x, transposed.
QuantizedMatrix quantize_transposed_ref(std::span<const float> x, int rows, int cols, ScaleTiling tiling,
                                        bool power_of_two_scales = false);
// value = e4m3(code) * scale, row-major rows x cols.
std::vector<float> dequantize_ref(const QuantizedMatrix& q);

}  // namespace trainsim::kernels::fp8
