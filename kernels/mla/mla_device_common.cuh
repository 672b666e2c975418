// What every MLA kernel header shares: the block's dynamic shared memory as floats. Under
// TRAINSIM_HOST_EMULATION (tests/kernels/mla/cuda_host_emulation.h) the CUDA built-ins come from that shim
// and this helper from it too, so the same kernel source runs on the CPU in tests.
#pragma once

#ifndef TRAINSIM_HOST_EMULATION
#include <cuda_bf16.h>

namespace trainsim::kernels::mla_v1 {
__device__ inline float* dynamic_smem() {
  extern __shared__ float smem[];
  return smem;
}
}  // namespace trainsim::kernels::mla_v1
#endif
