// Launch of version 1 of MLA's causal attention core (kernels in sm90_bf16_mla_attention_kernels.cuh): argument
// checks, the shared-memory opt-in, grids from sm90_bf16_mla_attention_config.h.
#include <cuda_bf16.h>

#include <cmath>
#include <mutex>
#include <stdexcept>

#include "kernels/common/cuda_check.cuh"
#include "kernels/mla/sm90_bf16_mla_attention.cuh"
#include "kernels/mla/sm90_bf16_mla_attention_config.h"
#include "kernels/mla/sm90_bf16_mla_attention_kernels.cuh"
#include "kernels/mla/sm90_bf16_mla_attention_kernels_v2.cuh"

namespace trainsim::kernels {
namespace {

using namespace mla_v1;

// Validates the arguments and fills in the default softmax scale 1 / sqrt(qk_dim).
AttentionDeviceArgs checked(AttentionDeviceArgs a) {
  if (a.qk_dim != kQk || a.v_dim != kV)
    throw std::invalid_argument("mla attention: only qk_dim 192 and v_dim 128 are instantiated (got " +
                                std::to_string(a.qk_dim) + ", " + std::to_string(a.v_dim) + ")");
  if (a.heads < 1 || a.heads > 65535 || a.sequences > 65535 || a.cu_seqlens == nullptr)
    throw std::invalid_argument("mla attention: heads and sequences must be in 1..65535, cu_seqlens set");
  if (a.scale <= 0) a.scale = 1.f / sqrtf(float(kQk));
  return a;
}

// NOTE: tiles above 48 KB of shared memory need the per-kernel opt-in; once per process (one device).
void raise_smem_limits() {
  static std::once_flag once;
  std::call_once(once, [] {
    TS_CUDA_CHECK(cudaFuncSetAttribute(attention_forward_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(attention_forward_smem_bytes())));
    TS_CUDA_CHECK(cudaFuncSetAttribute(attention_dkdv_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(attention_backward_smem_bytes())));
    TS_CUDA_CHECK(cudaFuncSetAttribute(attention_dq_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(attention_backward_smem_bytes())));
    TS_CUDA_CHECK(cudaFuncSetAttribute(mla_v2::attention_forward_mma_kernel,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(attention_forward_v2_smem_bytes())));
    TS_CUDA_CHECK(cudaFuncSetAttribute(mla_v2::attention_dkdv_mma_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(attention_backward_v2_smem_bytes())));
    TS_CUDA_CHECK(cudaFuncSetAttribute(mla_v2::attention_dq_mma_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(attention_backward_v2_smem_bytes())));
  });
}

}  // namespace

void mla_attention_forward(const AttentionDeviceArgs& given, const __nv_bfloat16* q, const __nv_bfloat16* k,
                           const __nv_bfloat16* v, __nv_bfloat16* o, float* lse, cudaStream_t stream,
                           AttentionKernel kernel) {
  const AttentionDeviceArgs args = checked(given);
  if (args.total_tokens == 0 || args.max_length == 0) return;
  raise_smem_limits();
  const dim3 grid(attention_tiles(args.max_length), args.heads, args.sequences);
  if (kernel == AttentionKernel::kV2MmaSync)
    mla_v2::attention_forward_mma_kernel<<<grid, kAttnV2Threads, attention_forward_v2_smem_bytes(), stream>>>(
        args, q, k, v, o, lse);
  else
    attention_forward_kernel<<<grid, kAttnThreads, attention_forward_smem_bytes(), stream>>>(args, q, k, v, o, lse);
  TS_CUDA_CHECK_LAUNCH();
}

void mla_attention_backward(const AttentionDeviceArgs& given, const __nv_bfloat16* q, const __nv_bfloat16* k,
                            const __nv_bfloat16* v, const __nv_bfloat16* o, const float* lse, const __nv_bfloat16* d_o,
                            float* delta, __nv_bfloat16* dq, __nv_bfloat16* dk, __nv_bfloat16* dv, cudaStream_t stream,
                            AttentionKernel kernel) {
  const AttentionDeviceArgs args = checked(given);
  if (args.total_tokens == 0 || args.max_length == 0) return;
  raise_smem_limits();
  const long long rows = (long long)args.total_tokens * args.heads;
  constexpr int kWarpsPerBlock = 8;
  attention_delta_kernel<<<unsigned((rows + kWarpsPerBlock - 1) / kWarpsPerBlock), 32 * kWarpsPerBlock, 0, stream>>>(
      rows, o, d_o, delta);
  TS_CUDA_CHECK_LAUNCH();
  const dim3 grid(attention_tiles(args.max_length), args.heads, args.sequences);
  if (kernel == AttentionKernel::kV2MmaSync) {
    mla_v2::attention_dkdv_mma_kernel<<<grid, kAttnV2Threads, attention_backward_v2_smem_bytes(), stream>>>(
        args, q, k, v, lse, d_o, delta, dk, dv);
    TS_CUDA_CHECK_LAUNCH();
    mla_v2::attention_dq_mma_kernel<<<grid, kAttnV2Threads, attention_backward_v2_smem_bytes(), stream>>>(
        args, q, k, v, lse, d_o, delta, dq);
    TS_CUDA_CHECK_LAUNCH();
    return;
  }
  attention_dkdv_kernel<<<grid, kAttnThreads, attention_backward_smem_bytes(), stream>>>(args, q, k, v, lse, d_o, delta,
                                                                                         dk, dv);
  TS_CUDA_CHECK_LAUNCH();
  attention_dq_kernel<<<grid, kAttnThreads, attention_backward_smem_bytes(), stream>>>(args, q, k, v, lse, d_o, delta,
                                                                                       dq);
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels
