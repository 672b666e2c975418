// What every MLA kernel header shares: the block's dynamic shared memory, the BF16 tensor-core product
// mma.sync.m16n8k16 (fragment layouts in the PTX ISA, "Matrix Fragments for mma.m16n8k16"), BF16 bit packing.
// Under TRAINSIM_HOST_EMULATION (tests/kernels/mla/cuda_host_emulation.h) these come from that shim instead, so
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
