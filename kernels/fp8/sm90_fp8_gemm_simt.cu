// The simplest correct block-scaled FP8 GEMM: CUDA cores, FP8 decoded to FP32 in shared memory, FP32 FMA,
// and per-128-of-K partial sums scaled and added into FP32 (promotion as DeepSeek-V3 does it). A baseline for
// checks, not for speed: no tensor cores (NOTES.md predicts it far below the FP32 CUDA-core peak).
#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include "kernels/common/cuda_check.cuh"
#include "kernels/fp8/sm90_fp8_gemm.h"

namespace trainsim::kernels::fp8 {

namespace {

constexpr int kTileM = 64, kTileN = 64, kTileK = 32;  // 32 of K per shared-memory step, 4 steps per scale block
constexpr int kThreads = 256;                         // 16 x 16 threads, 4 x 4 outputs each
static_assert(kScaleTile % kTileK == 0, "a shared-memory step must not straddle two scale blocks");
static_assert(kTileM * kTileK == kThreads * 8, "each thread loads 8 codes of A (and of B) per step");

__device__ __forceinline__ float decode(uint8_t code) {
  return __half2float(__half(__nv_cvt_fp8_to_halfraw(code, __NV_E4M3)));
}

// Stage rows [row0, row0 + 64) x [k0, k0 + 32) of an (rows x k) operand as FP32, K-major in shared memory.
__device__ __forceinline__ void stage(const uint8_t* src, int rows, int k, int row0, int k0,
                                      float (&dst)[kTileK][kTileM]) {
  const int r = threadIdx.x / 4, kk = (threadIdx.x % 4) * 8;
  const int gr = row0 + r, gk = k0 + kk;
  uint2 codes = make_uint2(0, 0);
  if (gr < rows && gk < k) codes = *reinterpret_cast<const uint2*>(src + static_cast<size_t>(gr) * k + gk);  // k % 16 == 0
  for (int j = 0; j < 8; ++j) {
    const uint32_t word = j < 4 ? codes.x : codes.y;
    dst[kk + j][r] = decode(static_cast<uint8_t>(word >> (8 * (j % 4))));
  }
}

template <typename OutT>
__global__ void __launch_bounds__(kThreads) simt_gemm_kernel(Fp8GemmArgs p) {
  __shared__ float as[kTileK][kTileM];
  __shared__ float bs[kTileK][kTileN];
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;  // rows ty + 16 i, columns tx + 16 j
  float acc[4][4] = {};
  for (int kb0 = 0; kb0 < p.k; kb0 += kScaleTile) {
    float partial[4][4] = {};
    for (int k0 = kb0; k0 < min(p.k, kb0 + kScaleTile); k0 += kTileK) {
      stage(p.a, p.m, p.k, m0, k0, as);
      stage(p.b, p.n, p.k, n0, k0, bs);
      __syncthreads();
#pragma unroll 8
      for (int kk = 0; kk < kTileK; ++kk)
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) partial[i][j] = fmaf(as[kk][ty + 16 * i], bs[kk][tx + 16 * j], partial[i][j]);
      __syncthreads();
    }
    for (int i = 0; i < 4; ++i) {
      const int row = min(m0 + ty + 16 * i, p.m - 1);
      const float sa = p.a_scales[scale_index(ScaleTiling::kRow1x128, p.m, p.k, row, kb0)];
      for (int j = 0; j < 4; ++j) {
        const int col = min(n0 + tx + 16 * j, p.n - 1);
        const float sb = p.b_scales[scale_index(p.b_tiling, p.n, p.k, col, kb0)];
        acc[i][j] = fmaf(partial[i][j], sa * sb, acc[i][j]);
      }
    }
  }
  OutT* d = static_cast<OutT*>(p.d);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const int row = m0 + ty + 16 * i, col = n0 + tx + 16 * j;
      if (row < p.m && col < p.n) {
        if constexpr (sizeof(OutT) == 2) {
          d[static_cast<size_t>(row) * p.n + col] = __float2bfloat16_rn(acc[i][j]);
        } else {
          d[static_cast<size_t>(row) * p.n + col] = acc[i][j];
        }
      }
    }
}

}  // namespace

void detail::launch_simt_gemm(const Fp8GemmArgs& args, cudaStream_t stream) {
  const dim3 grid(ceil_div(args.n, kTileN), ceil_div(args.m, kTileM));
  if (args.d_type == OutputType::kBF16) {
    simt_gemm_kernel<__nv_bfloat16><<<grid, kThreads, 0, stream>>>(args);
  } else {
    simt_gemm_kernel<float><<<grid, kThreads, 0, stream>>>(args);
  }
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels::fp8
