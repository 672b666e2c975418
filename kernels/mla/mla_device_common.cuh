// What every MLA kernel header shares: the block's dynamic shared memory, the BF16 tensor-core product
// mma.sync.m16n8k16 (fragment layouts in the PTX ISA, "Matrix Fragments for mma.m16n8k16"), BF16 bit packing,
// and the tile copies and fragment loads built on them.
// Under TRAINSIM_HOST_EMULATION (tests/kernels/common/cuda_host_emulation.h) these come from that shim instead, so
// the same kernel source runs on the CPU in tests.
#pragma once
#include <cstdint>

#ifndef TRAINSIM_HOST_EMULATION
#include <cuda_bf16.h>

namespace trainsim::kernels::mla_device {

__device__ inline float* dynamic_smem() {
  extern __shared__ float smem[];
  return smem;
}

__device__ inline uint32_t bf16_bits(__nv_bfloat16 x) { return __bfloat16_as_ushort(x); }

// Two floats rounded to BF16 in one 32-bit register, `lo` in the low half (the lower column or row index).
__device__ inline uint32_t pack_bf16x2(float lo, float hi) {
  return bf16_bits(__float2bfloat16(lo)) | (bf16_bits(__float2bfloat16(hi)) << 16);
}

// d (16 x 8, FP32) += a (16 x 16, BF16, row-major fragments) * b (16 x 8, BF16, column fragments); warp-wide.
__device__ inline void mma_bf16_16816(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

}  // namespace trainsim::kernels::mla_device
#endif

// Tile and fragment helpers of the mma.sync kernels (both builds: CUDA's built-ins or the emulation's).
namespace trainsim::kernels::mla_device {

// One online-softmax step on m16n8 accumulator fragments (FlashAttention-2): exponentiate the scores against
// each row's running maximum `m_use`, add the row sums across the 4 lanes that share a row into `l` (after
// scaling it by `alpha`), and rescale the output accumulators by `alpha`.
template <int kSTiles, int kOTiles>
__device__ inline void online_softmax_step(float (&s)[kSTiles][4], float (&acc)[kOTiles][4], float (&l)[2],
                                           const float (&m_use)[2], const float (&alpha)[2]) {
  float row_sum[2] = {0.f, 0.f};
#pragma unroll
  for (int n = 0; n < kSTiles; ++n)
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      s[n][e] = __expf(s[n][e] - m_use[e / 2]);
      row_sum[e / 2] += s[n][e];
    }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    row_sum[r] += __shfl_xor_sync(0xffffffffu, row_sum[r], 1);
    row_sum[r] += __shfl_xor_sync(0xffffffffu, row_sum[r], 2);
    l[r] = l[r] * alpha[r] + row_sum[r];
  }
#pragma unroll
  for (int j = 0; j < kOTiles; ++j) {
    acc[j][0] *= alpha[0];
    acc[j][1] *= alpha[0];
    acc[j][2] *= alpha[1];
    acc[j][3] *= alpha[1];
  }
}

// Rows [0, rows) of kCols BF16 values, 16 bytes per access; rows at or past `valid` become zeros.
template <int kCols, int kStride>
__device__ inline void copy_tile(__nv_bfloat16* dst, const __nv_bfloat16* src, size_t ld, int rows, int valid) {
  constexpr int kChunks = kCols / 8;
  for (int idx = threadIdx.x; idx < rows * kChunks; idx += blockDim.x) {
    const int r = idx / kChunks, c = 8 * (idx % kChunks);
    uint4 x{0u, 0u, 0u, 0u};
    if (r < valid) x = *reinterpret_cast<const uint4*>(src + r * ld + c);
    *reinterpret_cast<uint4*>(dst + r * kStride + c) = x;
  }
}

__device__ inline uint32_t load_pair(const __nv_bfloat16* p) { return *reinterpret_cast<const uint32_t*>(p); }

// Two BF16 values from rows r and r + 1 of one column, as one B fragment register (k = row pair).
__device__ inline uint32_t column_pair(const __nv_bfloat16* p, int stride) {
  return mla_device::bf16_bits(p[0]) | (mla_device::bf16_bits(p[stride]) << 16);
}

// The A fragment of k-step ps (16 columns) from two 16 x 8 accumulator tiles 2 ps and 2 ps + 1, rounded to BF16.
__device__ inline void accumulators_as_a(const float (&lo)[4], const float (&hi)[4], uint32_t (&a)[4]) {
  a[0] = mla_device::pack_bf16x2(lo[0], lo[1]);
  a[1] = mla_device::pack_bf16x2(lo[2], lo[3]);
  a[2] = mla_device::pack_bf16x2(hi[0], hi[1]);
  a[3] = mla_device::pack_bf16x2(hi[2], hi[3]);
}

// The A fragment of rows [r0, r0 + 16) and columns [c, c + 16) of a row-major BF16 tile.
__device__ inline void rows_as_a(const __nv_bfloat16* tile, int stride, int r0, int c, uint32_t (&a)[4]) {
  const int g = (threadIdx.x % 32) / 4, t = threadIdx.x % 4;
  const __nv_bfloat16* p = tile + (r0 + g) * stride + c + 2 * t;
  a[0] = load_pair(p);
  a[1] = load_pair(p + 8 * stride);
  a[2] = load_pair(p + 8);
  a[3] = load_pair(p + 8 * stride + 8);
}

}  // namespace trainsim::kernels::mla_device
