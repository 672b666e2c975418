// Launcher of absorbed MLA decode on the GPU (FlashMLA's problem: one query token per sequence, every head
// attending to the shared cached latent rows [c_kv 512, k_rope 64], returning the 512-wide latent output).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace trainsim::kernels {

struct DecodeDeviceArgs {
  const int* cu_seqlens_kv = nullptr;  // device, sequences + 1 entries over the packed cache
  int sequences = 0;
  int heads = 0;
  float scale = 0;  // softmax scale; 0 means 1 / sqrt(192), the training scale (absorption keeps it)
};

// q [sequences][heads][576], cache [cache tokens][576], o [sequences][heads][512] BF16, lse [sequences][heads]
// FP32 (-inf and o = 0 for an empty cache).
void mla_decode(const DecodeDeviceArgs& args, const __nv_bfloat16* q, const __nv_bfloat16* cache,
                __nv_bfloat16* o, float* lse, cudaStream_t stream);

}  // namespace trainsim::kernels
