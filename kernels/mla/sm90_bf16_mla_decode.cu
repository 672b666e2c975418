// Launch of version 1 of absorbed MLA decode (kernel in sm90_bf16_mla_decode_kernels.cuh): argument checks,
// the shared-memory opt-in, the grid of sm90_bf16_mla_decode_config.h.
#include <cuda_bf16.h>

#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernels/common/cuda_check.cuh"
#include "kernels/mla/sm90_bf16_mla_decode.cuh"
#include "kernels/mla/sm90_bf16_mla_decode_config.h"
#include "kernels/mla/sm90_bf16_mla_decode_kernels.cuh"
#include "kernels/mla/sm90_bf16_mla_decode_kernels_v2.cuh"

namespace trainsim::kernels {

using mla_v1::decode_kernel;

void mla_decode(const DecodeDeviceArgs& given, const __nv_bfloat16* q, const __nv_bfloat16* cache, __nv_bfloat16* o,
                float* lse, cudaStream_t stream, DecodeKernel kernel) {
  DecodeDeviceArgs args = given;
  if (args.heads < 1 || args.sequences < 0 || args.sequences > 65535 || args.cu_seqlens_kv == nullptr)
    throw std::invalid_argument("mla decode: heads must be positive, sequences in 0..65535, cu_seqlens_kv set (got " +
                                std::to_string(args.heads) + " heads, " + std::to_string(args.sequences) +
                                " sequences)");
  if (args.scale <= 0) args.scale = 1.f / sqrtf(192.f);
  if (args.sequences == 0) return;
  static std::once_flag once;  // NOTE: over 48 KB of shared memory needs the per-kernel opt-in.
  std::call_once(once, [] {
    TS_CUDA_CHECK(
        cudaFuncSetAttribute(decode_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(decode_smem_bytes())));
    TS_CUDA_CHECK(cudaFuncSetAttribute(mla_v2::decode_mma_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(decode_v2_smem_bytes())));
  });
  if (kernel == DecodeKernel::kV2MmaSync) {
    const dim3 grid(decode_v2_head_groups(args.heads), args.sequences);
    mla_v2::decode_mma_kernel<<<grid, kDecodeV2Threads, decode_v2_smem_bytes(), stream>>>(args, q, cache, o, lse);
    TS_CUDA_CHECK_LAUNCH();
    return;
  }
  const dim3 grid(decode_head_groups(args.heads), args.sequences);
  decode_kernel<<<grid, kDecodeThreads, decode_smem_bytes(), stream>>>(args, q, cache, o, lse);
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels
