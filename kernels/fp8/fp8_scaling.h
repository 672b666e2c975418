// Fine-grained FP8 scaling shared by the CPU references and the device code: the tilings DeepSeek-V3 trains
// with (tech report section 3.3.2: activations per 1x128 tile, weights per 128x128 block) and the scale layout.
// Each scale is the dequantization factor: value ~= e4m3(code) * scale, with scale = amax / 448.
#pragma once
#include <bit>
#include <cstdint>

#if defined(__CUDACC__)
#define TS_FP8_HD __host__ __device__
#else
#define TS_FP8_HD
#endif

namespace trainsim::kernels::fp8 {

inline constexpr int kScaleTile = 128;  // the 128 of 1x128 tiles, 128x128 blocks and promotion every 128 of K

// A matrix is quantized as rows x cols, row-major, with cols the GEMM reduction dimension (K-major):
// the transposed (128x1) tiling of the backward pass is the 1x128 tiling of the transposed matrix.
enum class ScaleTiling {
  kRow1x128,      // one scale per row and 128 columns (activations, gradients)
  kBlock128x128,  // one scale per 128x128 block (weights)
  kRowWhole,      // one scale per row over all columns: the no-promotion accuracy experiment needs scales
                  // constant along K, stored in the 1x128 layout with the value repeated
};

TS_FP8_HD constexpr int ceil_div(int a, int b) { return (a + b - 1) / b; }
TS_FP8_HD constexpr int k_blocks(int cols) { return ceil_div(cols, kScaleTile); }

// Scale layout, the one cuBLASLt's VEC128_32F / BLK128x128_32F modes and torch._scaled_mm read (PyTorch's
// is_blockwise_1x128_scaling / is_blockwise_128x128_scaling): per-row scales k-block-major with rows
// contiguous (a tile's scales for one k-block are adjacent, as in DeepGEMM); block scales row-major over
// blocks, k-blocks contiguous, each block row padded to 4 floats (16 bytes, as recent PyTorch requires).
TS_FP8_HD constexpr int block_scale_stride(int cols) { return ceil_div(k_blocks(cols), 4) * 4; }
TS_FP8_HD constexpr int scale_count(ScaleTiling tiling, int rows, int cols) {
  return tiling == ScaleTiling::kBlock128x128 ? ceil_div(rows, kScaleTile) * block_scale_stride(cols)
                                              : rows * k_blocks(cols);
}
// Index of the scale that applies to element (row, col).
TS_FP8_HD constexpr int scale_index(ScaleTiling tiling, int rows, int cols, int row, int col) {
  const int kb = col / kScaleTile;
  return tiling == ScaleTiling::kBlock128x128 ? (row / kScaleTile) * block_scale_stride(cols) + kb : kb * rows + row;
}

// The scale of a tile whose largest magnitude is amax. An all-zero tile gets scale 1 (its codes are 0).
// Power-of-two scales round up (so amax / scale stays within 448) and make scaling exact in any format.
TS_FP8_HD inline float compute_scale(float amax, bool power_of_two) {
  if (!(amax > 0.0f)) return 1.0f;
  float scale = amax / 448.0f;
  if (power_of_two) {
#if defined(__CUDA_ARCH__)
    uint32_t bits = __float_as_uint(scale);
#else
    uint32_t bits = std::bit_cast<uint32_t>(scale);
#endif
    if ((bits & 0x007FFFFFu) != 0) bits = (bits & 0xFF800000u) + 0x00800000u;
#if defined(__CUDA_ARCH__)
    scale = __uint_as_float(bits);
#else
    scale = std::bit_cast<float>(bits);
#endif
  }
  return scale;
}

}  // namespace trainsim::kernels::fp8
