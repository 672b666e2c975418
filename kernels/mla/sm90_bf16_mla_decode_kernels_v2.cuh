// Device code of version 2 of absorbed MLA decode: tensor cores through mma.sync.m16n8k16. Heads are the M
// dimension (the cached latent is shared by all heads, so 16 heads make one mma row block); per 32 cached
// tokens, S = Q C^T over 576 dims and O += P C[:, 0..511]. Checked on the CPU through the host emulation of
// mma.sync; not yet run on a GPU.
#pragma once
#include <cstdint>

#include "kernels/mla/mla_device_common.cuh"
#include "kernels/mla/sm90_bf16_mla_decode_config.h"

namespace trainsim::kernels::mla_v2 {

using mla_device::accumulators_as_a;
using mla_device::column_pair;
using mla_device::copy_tile;
using mla_device::load_pair;
using mla_device::rows_as_a;

constexpr int kDecD = kDecodeQkDim, kDecHalf = kDecodeVDim / 2, kDecH = kDecodeV2HeadsPerBlock;
constexpr int kDecK = kDecodeV2KeysPerStep, kDecS = kDecD + kDecodeV2RowPad;
constexpr int kDecSTiles = kDecK / 8;     // 4 score tiles of 16 x 8
constexpr int kDecOTiles = kDecHalf / 8;  // 32 output tiles of 16 x 8 per warp

__global__ void __launch_bounds__(kDecodeV2Threads)
    decode_mma_kernel(DecodeDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* cache, __nv_bfloat16* o,
                      float* lse) {
  __nv_bfloat16* sQ = reinterpret_cast<__nv_bfloat16*>(mla_device::dynamic_smem());
  __nv_bfloat16* sC = sQ + kDecH * kDecS;
  const int seq = blockIdx.y, h0 = blockIdx.x * kDecH;
  const int t0 = args.cu_seqlens_kv[seq], len = args.cu_seqlens_kv[seq + 1] - t0;
  const int heads_here = min(kDecH, args.heads - h0);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int hr0 = 16 * (warp % 4), c0 = kDecHalf * (warp / 4);  // this warp's first head row and column

  copy_tile<kDecD, kDecS>(sQ, q + (size_t(seq) * args.heads + h0) * kDecD, kDecD, kDecH, heads_here);
  float acc[kDecOTiles][4] = {};
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};
  for (int j0 = 0; j0 < len; j0 += kDecK) {
    const int valid = min(kDecK, len - j0);
    __syncthreads();  // every warp is done with the previous cached tokens
    copy_tile<kDecD, kDecS>(sC, cache + size_t(t0 + j0) * kDecD, kDecD, kDecK, valid);
    __syncthreads();
    float s[kDecSTiles][4] = {};
#pragma unroll 4
    for (int ks = 0; ks < kDecD / 16; ++ks) {
      uint32_t a[4];
      rows_as_a(sQ, kDecS, hr0, ks * 16, a);
#pragma unroll
      for (int n = 0; n < kDecSTiles; ++n) {  // B(k = dim, n = token) = C[token][dim]
        const __nv_bfloat16* cr = sC + (n * 8 + g) * kDecS + ks * 16 + 2 * t;
        const uint32_t b[2] = {load_pair(cr), load_pair(cr + 8)};
        mla_device::mma_bf16_16816(s[n], a, b);
      }
    }
    float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int n = 0; n < kDecSTiles; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int key = n * 8 + 2 * t + (e % 2);
        s[n][e] = key < valid ? s[n][e] * args.scale : -INFINITY;
        mx[e / 2] = fmaxf(mx[e / 2], s[n][e]);
      }
    float alpha[2], m_new[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {  // finite: token j0 is valid
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
      m_new[r] = fmaxf(m[r], mx[r]);
      alpha[r] = __expf(m[r] - m_new[r]);
      m[r] = m_new[r];
    }
    mla_device::online_softmax_step(s, acc, l, m_new, alpha);
#pragma unroll
    for (int ps = 0; ps < kDecK / 16; ++ps) {
      uint32_t a[4];
      accumulators_as_a(s[2 * ps], s[2 * ps + 1], a);
      const int key = ps * 16 + 2 * t;
#pragma unroll
      for (int j = 0; j < kDecOTiles; ++j) {  // B(k = token, n = column) = C[token][column]
        const __nv_bfloat16* cc = sC + key * kDecS + c0 + j * 8 + g;
        const uint32_t b[2] = {column_pair(cc, kDecS), column_pair(cc + 8 * kDecS, kDecS)};
        mla_device::mma_bf16_16816(acc[j], a, b);
      }
    }
  }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int head = hr0 + g + 8 * r;
    if (head >= heads_here) continue;
    const float inv = l[r] > 0.f ? 1.f / l[r] : 0.f;
    __nv_bfloat16* out = o + (size_t(seq) * args.heads + h0 + head) * kDecodeVDim + c0;
#pragma unroll
    for (int j = 0; j < kDecOTiles; ++j) {
      out[j * 8 + 2 * t] = __float2bfloat16(acc[j][2 * r] * inv);
      out[j * 8 + 2 * t + 1] = __float2bfloat16(acc[j][2 * r + 1] * inv);
    }
    if (t == 0 && c0 == 0) lse[size_t(seq) * args.heads + h0 + head] = len > 0 ? m[r] + logf(l[r]) : -INFINITY;
  }
}

}  // namespace trainsim::kernels::mla_v2
