// Launchers of the MLA training attention core on the GPU: causal, varlen (cu_seqlens), BF16 in and out,
// FP32 accumulation and log-sum-exp. Layouts as in mla_problem.h; two versions of each (FP32 FMA; mma.sync);
// tilings in sm90_bf16_mla_attention_config.h, predictions in NOTES.md.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "kernels/mla/sm90_bf16_mla_attention_config.h"

namespace trainsim::kernels {

// Which kernels: version 1 (FP32 FMA, the simplest) or version 2 (mma.sync tensor cores).
enum class AttentionKernel { kV1Fma, kV2MmaSync };

// The version the reduced model's CUDA back-end runs and calibration_run prices, named once: the second H200 run
// of 2026-12-04 priced version 2 and stepped version 1 (the launchers' default), 0.124 against 0.332 ms a step.
inline constexpr AttentionKernel kModelAttentionKernel = AttentionKernel::kV2MmaSync;

// o [tokens][heads][v_dim] BF16, lse [tokens][heads] FP32 (natural log).
void mla_attention_forward(const AttentionDeviceArgs& args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                           const __nv_bfloat16* v, __nv_bfloat16* o, float* lse, cudaStream_t stream,
                           AttentionKernel kernel = AttentionKernel::kV1Fma);

// delta: FP32 workspace [tokens][heads] (rowsum(dO * O)); dq, dk, dv BF16, every element written.
void mla_attention_backward(const AttentionDeviceArgs& args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                            const __nv_bfloat16* v, const __nv_bfloat16* o, const float* lse, const __nv_bfloat16* d_o,
                            float* delta, __nv_bfloat16* dq, __nv_bfloat16* dk, __nv_bfloat16* dv, cudaStream_t stream,
                            AttentionKernel kernel = AttentionKernel::kV1Fma);

}  // namespace trainsim::kernels
