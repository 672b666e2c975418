// Launchers of the FP8 quantization kernels (device pointers, asynchronous on `stream`): the public
// interface other kernel families use. Bit-exact with quantize_ref.cc; layouts of fp8_scaling.h.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/fp8/fp8_scaling.h"

namespace trainsim::kernels::fp8 {

enum class InputType { kFP32, kBF16 };

struct QuantizeInput {
  const void* x = nullptr;  // rows x cols, row-major
  InputType type = InputType::kFP32;
  int rows = 0;
  int cols = 0;
  bool power_of_two_scales = false;
};

// 1x128 tiles: codes rows x cols, scales scale_count(kRow1x128, rows, cols).
void sm90_fp8_quantize_rows(const QuantizeInput& in, uint8_t* codes, float* scales, cudaStream_t stream);

// 128x1 tiles of x, written as the 1x128 tiling of x^T (what Wgrad reads): codes cols x rows,
// scales scale_count(kRow1x128, cols, rows).
void sm90_fp8_quantize_rows_transposed(const QuantizeInput& in, uint8_t* codes_t, float* scales_t,
                                       cudaStream_t stream);

// 128x128 blocks: codes rows x cols with scales scale_count(kBlock128x128, rows, cols); and, when codes_t
// is not null, the same blocks transposed (W^T for Dgrad): codes_t cols x rows, scales_t of x^T's blocks.
void sm90_fp8_quantize_blocks(const QuantizeInput& in, uint8_t* codes, float* scales, uint8_t* codes_t,
                              float* scales_t, cudaStream_t stream);

// value = e4m3(code) * scale into out (rows x cols, FP32).
void sm90_fp8_dequantize(const uint8_t* codes, const float* scales, ScaleTiling tiling, int rows, int cols,
                         float* out, cudaStream_t stream);

}  // namespace trainsim::kernels::fp8
