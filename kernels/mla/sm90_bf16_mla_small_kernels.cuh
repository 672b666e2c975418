// Device code of version 1 of MLA's small fused kernels: RMSNorm (one block per row) and RoPE with the q/k/v
// assembly (one block per token). Included by sm90_bf16_mla_projections.cu and by the host emulation test.
#pragma once
#include "kernels/mla/mla_device_common.cuh"

namespace trainsim::kernels::mla_v1 {

constexpr int kNormThreads = 256;

__global__ void __launch_bounds__(kNormThreads)
    rmsnorm_kernel(const __nv_bfloat16* x, int dim, int stride, const __nv_bfloat16* gamma, float eps,
                   __nv_bfloat16* y) {
  __shared__ float partial[kNormThreads / 32];
  const __nv_bfloat16* row = x + size_t(blockIdx.x) * stride;
  float sq = 0.f;
  for (int c = threadIdx.x; c < dim; c += kNormThreads) {
    const float e = __bfloat162float(row[c]);
    sq = fmaf(e, e, sq);
  }
  for (int off = 16; off > 0; off /= 2) sq += __shfl_xor_sync(0xffffffffu, sq, off);
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = sq;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int w = 0; w < kNormThreads / 32; ++w) total += partial[w];
  const float inv = rsqrtf(total / float(dim) + eps);
  for (int c = threadIdx.x; c < dim; c += kNormThreads)
    y[size_t(blockIdx.x) * dim + c] = __float2bfloat16(__bfloat162float(row[c]) * inv * __bfloat162float(gamma[c]));
}

constexpr int kRopeThreads = 256;
constexpr int kMaxRopeDim = 128;

struct RopeArgs {
  int heads, qk_nope, qk_rope, v_dim, kv_lora;
  double theta;
};

// One block per token: the rotation angles once, the shared key rope dims once, then every head.
__global__ void __launch_bounds__(kRopeThreads)
    rope_assemble_kernel(RopeArgs a, const int* positions, __nv_bfloat16* q, const __nv_bfloat16* kv_up,
                         const __nv_bfloat16* kv_down, __nv_bfloat16* k, __nv_bfloat16* v) {
  __shared__ float cos_s[kMaxRopeDim / 2], sin_s[kMaxRopeDim / 2], k_rope[kMaxRopeDim];
  const size_t t = blockIdx.x;
  const int pairs = a.qk_rope / 2, qk = a.qk_nope + a.qk_rope, up = a.qk_nope + a.v_dim;
  if (int(threadIdx.x) < pairs) {
    // FP64 angle: position x frequency reaches 4096 rad, where FP32 would lose the phase.
    const double angle = positions[t] * pow(a.theta, -2.0 * threadIdx.x / a.qk_rope);
    cos_s[threadIdx.x] = float(cos(angle));
    sin_s[threadIdx.x] = float(sin(angle));
  }
  __syncthreads();
  if (int(threadIdx.x) < pairs) {
    const int i = threadIdx.x;
    const __nv_bfloat16* src = kv_down + t * (a.kv_lora + a.qk_rope) + a.kv_lora;
    const float x0 = __bfloat162float(src[2 * i]), x1 = __bfloat162float(src[2 * i + 1]);
    k_rope[2 * i] = x0 * cos_s[i] - x1 * sin_s[i];
    k_rope[2 * i + 1] = x0 * sin_s[i] + x1 * cos_s[i];
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < a.heads * pairs; idx += kRopeThreads) {
    const int h = idx / pairs, i = idx % pairs;
    __nv_bfloat16* e = q + (t * a.heads + h) * qk + a.qk_nope + 2 * i;
    const float x0 = __bfloat162float(e[0]), x1 = __bfloat162float(e[1]);
    e[0] = __float2bfloat16(x0 * cos_s[i] - x1 * sin_s[i]);
    e[1] = __float2bfloat16(x0 * sin_s[i] + x1 * cos_s[i]);
  }
  for (int idx = threadIdx.x; idx < a.heads * qk; idx += kRopeThreads) {
    const int h = idx / qk, c = idx % qk;
    k[(t * a.heads + h) * qk + c] =
        c < a.qk_nope ? kv_up[(t * a.heads + h) * up + c] : __float2bfloat16(k_rope[c - a.qk_nope]);
  }
  for (int idx = threadIdx.x; idx < a.heads * a.v_dim; idx += kRopeThreads) {
    const int h = idx / a.v_dim, c = idx % a.v_dim;
    v[(t * a.heads + h) * a.v_dim + c] = kv_up[(t * a.heads + h) * up + a.qk_nope + c];
  }
}

}  // namespace trainsim::kernels::mla_v1
