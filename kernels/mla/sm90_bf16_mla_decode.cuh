// Launcher of absorbed MLA decode on the GPU (FlashMLA's problem: one query token per sequence, every head
// attending to the shared cached latent rows [c_kv 512, k_rope 64], returning the 512-wide latent output).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "kernels/mla/sm90_bf16_mla_decode_config.h"

namespace trainsim::kernels {

// Which kernel: version 1 (FP32 FMA, the simplest) or version 2 (mma.sync tensor cores, heads as rows).
enum class DecodeKernel { kV1Fma, kV2MmaSync };

// q [sequences][heads][576], cache [cache tokens][576], o [sequences][heads][512] BF16, lse [sequences][heads]
// FP32 (-inf and o = 0 for an empty cache).
void mla_decode(const DecodeDeviceArgs& args, const __nv_bfloat16* q, const __nv_bfloat16* cache, __nv_bfloat16* o,
                float* lse, cudaStream_t stream, DecodeKernel kernel = DecodeKernel::kV1Fma);

}  // namespace trainsim::kernels
