// Device code of version 1 of absorbed MLA decode: a block takes 16 heads of one sequence and walks the
// cached latent 32 tokens at a time (FP32 FMA from shared memory, online softmax per head). Included by
// sm90_bf16_mla_decode.cu and, on the CPU, by the host emulation test.
#pragma once
#include "kernels/mla/mla_device_common.cuh"
#include "kernels/mla/sm90_bf16_mla_decode_config.h"

namespace trainsim::kernels::mla_v1 {

constexpr int kD = kDecodeQkDim, kDv = kDecodeVDim, kH = kDecodeHeadsPerBlock, kK = kDecodeKeysPerStep;
constexpr int kCP = kD + 1, kPP = kK + 1;

__global__ void __launch_bounds__(kDecodeThreads)
    decode_kernel(DecodeDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* cache, __nv_bfloat16* o,
                  float* lse) {
  float* smem = mla_device::dynamic_smem();
  float* sQ = smem;
  float* sC = sQ + kH * kD;
  float* sP = sC + kK * kCP;
  float* sM = sP + kH * kPP;
  float* sL = sM + kH;
  float* sAlpha = sL + kH;
  const int seq = blockIdx.y, h0 = blockIdx.x * kH;
  const int t0 = args.cu_seqlens_kv[seq], len = args.cu_seqlens_kv[seq + 1] - t0;
  const int heads_here = min(kH, args.heads - h0);
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;

  for (int idx = tid; idx < kH * kD; idx += kDecodeThreads) {
    const int h = idx / kD;
    sQ[idx] = h < heads_here ? __bfloat162float(q[(size_t(seq) * args.heads + h0 + h) * kD + idx % kD]) : 0.f;
  }
  if (tid < kH) {
    sM[tid] = -INFINITY;
    sL[tid] = 0.f;
  }
  float acc[kH][2] = {};
  for (int j0 = 0; j0 < len; j0 += kK) {
    const int valid = min(kK, len - j0);
    __syncthreads();  // the previous step is done with sC, sP
    for (int idx = tid; idx < kK * (kD / 2); idx += kDecodeThreads) {
      const int r = idx / (kD / 2), c = 2 * (idx % (kD / 2));
      float2 f = make_float2(0.f, 0.f);
      if (r < valid)
        f = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(cache + size_t(t0 + j0 + r) * kD + c));
      sC[r * kCP + c] = f.x;
      sC[r * kCP + c + 1] = f.y;
    }
    __syncthreads();
#pragma unroll
    for (int half = 0; half < 2; ++half) {  // (head, token) pairs tid and tid + 256; a warp shares one head
      const int pair = tid + half * kDecodeThreads, h = pair / kK, key = pair % kK;
      float s = 0.f;
#pragma unroll 8
      for (int d = 0; d < kD; ++d) s = fmaf(sQ[h * kD + d], sC[key * kCP + d], s);
      sP[h * kPP + key] = key < valid ? s * args.scale : -INFINITY;
    }
    __syncthreads();
#pragma unroll
    for (int half = 0; half < 2; ++half) {  // softmax: warp w runs heads w and w + 8, lane = token
      const int h = warp + half * (kDecodeThreads / 32);
      const float s = sP[h * kPP + lane];
      float mx = s;
      for (int off = 16; off > 0; off /= 2) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, off));
      const float m_old = sM[h], l_old = sL[h];
      const float m_new = fmaxf(m_old, mx);  // finite: token j0 is valid
      const float p = __expf(s - m_new);
      float sum = p;
      for (int off = 16; off > 0; off /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, off);
      sP[h * kPP + lane] = p;
      __syncwarp();
      if (lane == 0) {
        const float alpha = __expf(m_old - m_new);
        sAlpha[h] = alpha;
        sL[h] = l_old * alpha + sum;
        sM[h] = m_new;
      }
    }
    __syncthreads();
#pragma unroll
    for (int h = 0; h < kH; ++h) {
      acc[h][0] *= sAlpha[h];
      acc[h][1] *= sAlpha[h];
    }
    for (int key = 0; key < valid; ++key) {
      const float c0 = sC[key * kCP + tid], c1 = sC[key * kCP + tid + kDecodeThreads];
#pragma unroll
      for (int h = 0; h < kH; ++h) {
        const float p = sP[h * kPP + key];
        acc[h][0] = fmaf(p, c0, acc[h][0]);
        acc[h][1] = fmaf(p, c1, acc[h][1]);
      }
    }
  }
  __syncthreads();
#pragma unroll
  for (int h = 0; h < kH; ++h) {
    if (h >= heads_here) break;
    const float inv = sL[h] > 0.f ? 1.f / sL[h] : 0.f;
    __nv_bfloat16* out = o + (size_t(seq) * args.heads + h0 + h) * kDv;
    out[tid] = __float2bfloat16(acc[h][0] * inv);
    out[tid + kDecodeThreads] = __float2bfloat16(acc[h][1] * inv);
  }
  if (tid < heads_here) lse[size_t(seq) * args.heads + h0 + tid] = len > 0 ? sM[tid] + logf(sL[tid]) : -INFINITY;
}

}  // namespace trainsim::kernels::mla_v1
