// Launchers of the MLA training attention core on the GPU: causal, varlen (cu_seqlens), BF16 in and out,
// FP32 accumulation and log-sum-exp. Layouts as in mla_problem.h; version 1 is the simple FP32-FMA tiling of
// sm90_bf16_mla_attention_config.h (NOTES.md has its prediction).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace trainsim::kernels {

struct AttentionDeviceArgs {
  const int* cu_seqlens = nullptr;  // device, sequences + 1 entries
  int sequences = 0;
  int max_length = 0;
  int total_tokens = 0;
  int heads = 0;
  int qk_dim = 192;  // only 192 / 128 are instantiated; others throw
  int v_dim = 128;
  float scale = 0;   // softmax scale; 0 means 1 / sqrt(qk_dim)
};

// o [tokens][heads][v_dim] BF16, lse [tokens][heads] FP32 (natural log).
void mla_attention_forward(const AttentionDeviceArgs& args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                           const __nv_bfloat16* v, __nv_bfloat16* o, float* lse, cudaStream_t stream);

// delta: FP32 workspace [tokens][heads] (rowsum(dO * O)); dq, dk, dv BF16, every element written.
void mla_attention_backward(const AttentionDeviceArgs& args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                            const __nv_bfloat16* v, const __nv_bfloat16* o, const float* lse,
                            const __nv_bfloat16* d_o, float* delta, __nv_bfloat16* dq, __nv_bfloat16* dk,
                            __nv_bfloat16* dv, cudaStream_t stream);

}  // namespace trainsim::kernels
