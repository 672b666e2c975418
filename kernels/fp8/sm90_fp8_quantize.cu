// FP8 E4M3 quantization kernels: max-abs per tile, scale = amax / 448 (fp8_scaling.h), x / scale with IEEE
// division and cvt.rn.satfinite (round to nearest even, saturate), so codes match quantize_ref.cc bit for bit.
// First versions, written for correctness: one pass over the input for rows, two for blocks (NOTES.md).
#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include <stdexcept>

#include "kernels/common/cuda_check.cuh"
#include "kernels/fp8/sm90_fp8_quantize.h"

namespace trainsim::kernels::fp8 {

namespace {

constexpr int kWarp = 32;

__device__ __forceinline__ float load(const void* x, InputType type, size_t i) {
  return type == InputType::kFP32 ? static_cast<const float*>(x)[i]
                                  : __bfloat162float(static_cast<const __nv_bfloat16*>(x)[i]);
}

__device__ __forceinline__ uint8_t encode(float v, float scale) {
  return static_cast<uint8_t>(__nv_cvt_float_to_fp8(__fdiv_rn(v, scale), __NV_SATFINITE, __NV_E4M3));
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, offset));
  return v;
}

// One warp per (row, 128-column tile); each lane holds 4 elements.
__global__ void quantize_rows_kernel(QuantizeInput in, uint8_t* codes, float* scales) {
  const int warp = static_cast<int>((blockIdx.x * blockDim.x + threadIdx.x) / kWarp);
  const int lane = static_cast<int>(threadIdx.x % kWarp);
  const int tiles_per_row = k_blocks(in.cols);
  if (warp >= in.rows * tiles_per_row) return;  // whole warps exit together
  const int row = warp / tiles_per_row, kb = warp % tiles_per_row;
  const int c0 = kb * kScaleTile + lane * 4;
  float v[4];
  float amax = 0.0f;
  for (int j = 0; j < 4; ++j) {
    v[j] = c0 + j < in.cols ? load(in.x, in.type, static_cast<size_t>(row) * in.cols + c0 + j) : 0.0f;
    amax = fmaxf(amax, fabsf(v[j]));
  }
  const float scale = compute_scale(warp_max(amax), in.power_of_two_scales);
  for (int j = 0; j < 4; ++j)
    if (c0 + j < in.cols) codes[static_cast<size_t>(row) * in.cols + c0 + j] = encode(v[j], scale);
  if (lane == 0) scales[static_cast<size_t>(kb) * in.rows + row] = scale;
}

// A 128-row x 32-column tile of x per block (256 threads) staged through shared memory, so both the read of
// x and the write of x^T are coalesced.
constexpr int kTransposeCols = 32;
__global__ void quantize_rows_transposed_kernel(QuantizeInput in, uint8_t* codes_t, float* scales_t) {
  __shared__ float tile[kScaleTile][kTransposeCols + 1];  // +1: no bank conflicts on the column reads
  const int r0 = blockIdx.y * kScaleTile, c0 = blockIdx.x * kTransposeCols;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp, warps = blockDim.x / kWarp;
  for (int r = warp; r < kScaleTile; r += warps) {
    const int gr = r0 + r, gc = c0 + lane;
    tile[r][lane] = gr < in.rows && gc < in.cols ? load(in.x, in.type, static_cast<size_t>(gr) * in.cols + gc) : 0.0f;
  }
  __syncthreads();
  // Each warp owns columns; a lane holds 4 consecutive rows of its column.
  for (int c = warp; c < kTransposeCols; c += warps) {
    const int gc = c0 + c;
    float amax = 0.0f;
    for (int j = 0; j < 4; ++j) amax = fmaxf(amax, fabsf(tile[lane * 4 + j][c]));
    const float scale = compute_scale(warp_max(amax), in.power_of_two_scales);
    if (gc >= in.cols) continue;  // uniform across the warp
    for (int j = 0; j < 4; ++j) {
      const int gr = r0 + lane * 4 + j;
      if (gr < in.rows) codes_t[static_cast<size_t>(gc) * in.rows + gr] = encode(tile[lane * 4 + j][c], scale);
    }
    if (lane == 0) scales_t[static_cast<size_t>(blockIdx.y) * in.cols + gc] = scale;
  }
}

// One 128x128 block per thread block: the block's max-abs, then its codes (and the transposed codes).
constexpr int kBlockThreads = 256;
__global__ void quantize_blocks_kernel(QuantizeInput in, uint8_t* codes, float* scales, uint8_t* codes_t,
                                       float* scales_t) {
  __shared__ float warp_amax[kBlockThreads / kWarp];
  const int r0 = blockIdx.y * kScaleTile, c0 = blockIdx.x * kScaleTile;
  const int rn = min(kScaleTile, in.rows - r0), cn = min(kScaleTile, in.cols - c0);
  float amax = 0.0f;
  for (int i = threadIdx.x; i < kScaleTile * kScaleTile; i += kBlockThreads) {
    const int r = i / kScaleTile, c = i % kScaleTile;
    if (r < rn && c < cn) amax = fmaxf(amax, fabsf(load(in.x, in.type, static_cast<size_t>(r0 + r) * in.cols + c0 + c)));
  }
  amax = warp_max(amax);
  if (threadIdx.x % kWarp == 0) warp_amax[threadIdx.x / kWarp] = amax;
  __syncthreads();
  amax = 0.0f;
  for (int w = 0; w < kBlockThreads / kWarp; ++w) amax = fmaxf(amax, warp_amax[w]);
  const float scale = compute_scale(amax, in.power_of_two_scales);
  for (int i = threadIdx.x; i < kScaleTile * kScaleTile; i += kBlockThreads) {
    const int r = i / kScaleTile, c = i % kScaleTile;
    if (r < rn && c < cn) {
      const size_t at = static_cast<size_t>(r0 + r) * in.cols + c0 + c;
      codes[at] = encode(load(in.x, in.type, at), scale);
    }
  }
  if (codes_t != nullptr) {
    for (int i = threadIdx.x; i < kScaleTile * kScaleTile; i += kBlockThreads) {
      const int c = i / kScaleTile, r = i % kScaleTile;  // consecutive threads write consecutive rows of x^T
      if (r < rn && c < cn)
        codes_t[static_cast<size_t>(c0 + c) * in.rows + r0 + r] =
            encode(load(in.x, in.type, static_cast<size_t>(r0 + r) * in.cols + c0 + c), scale);
    }
  }
  if (threadIdx.x == 0) {
    scales[blockIdx.y * block_scale_stride(in.cols) + blockIdx.x] = scale;
    if (scales_t != nullptr) scales_t[blockIdx.x * block_scale_stride(in.rows) + blockIdx.y] = scale;
  }
}

__global__ void dequantize_kernel(const uint8_t* codes, const float* scales, ScaleTiling tiling, int rows,
                                  int cols, float* out) {
  const size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= static_cast<size_t>(rows) * cols) return;
  const int r = static_cast<int>(i / cols), c = static_cast<int>(i % cols);
  const __half_raw h = __nv_cvt_fp8_to_halfraw(codes[i], __NV_E4M3);
  out[i] = __half2float(__half(h)) * scales[scale_index(tiling, rows, cols, r, c)];
}

void check_input(const QuantizeInput& in) {
  if (in.x == nullptr || in.rows <= 0 || in.cols <= 0)
    throw std::invalid_argument("fp8 quantize: need a device input and positive rows and cols");
}

}  // namespace

void sm90_fp8_quantize_rows(const QuantizeInput& in, uint8_t* codes, float* scales, cudaStream_t stream) {
  check_input(in);
  const long long warps = static_cast<long long>(in.rows) * k_blocks(in.cols);
  constexpr int kThreads = 256;
  const auto blocks = static_cast<unsigned>((warps * kWarp + kThreads - 1) / kThreads);
  quantize_rows_kernel<<<blocks, kThreads, 0, stream>>>(in, codes, scales);
  TS_CUDA_CHECK_LAUNCH();
}

void sm90_fp8_quantize_rows_transposed(const QuantizeInput& in, uint8_t* codes_t, float* scales_t,
                                       cudaStream_t stream) {
  check_input(in);
  const dim3 grid(ceil_div(in.cols, kTransposeCols), ceil_div(in.rows, kScaleTile));
  quantize_rows_transposed_kernel<<<grid, 256, 0, stream>>>(in, codes_t, scales_t);
  TS_CUDA_CHECK_LAUNCH();
}

void sm90_fp8_quantize_blocks(const QuantizeInput& in, uint8_t* codes, float* scales, uint8_t* codes_t,
                              float* scales_t, cudaStream_t stream) {
  check_input(in);
  const dim3 grid(ceil_div(in.cols, kScaleTile), ceil_div(in.rows, kScaleTile));
  quantize_blocks_kernel<<<grid, kBlockThreads, 0, stream>>>(in, codes, scales, codes_t, scales_t);
  TS_CUDA_CHECK_LAUNCH();
}

void sm90_fp8_dequantize(const uint8_t* codes, const float* scales, ScaleTiling tiling, int rows, int cols,
                         float* out, cudaStream_t stream) {
  const size_t n = static_cast<size_t>(rows) * cols;
  constexpr int kThreads = 256;
  dequantize_kernel<<<static_cast<unsigned>((n + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
      codes, scales, tiling, rows, cols, out);
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels::fp8
