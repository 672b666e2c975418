// Device code of version 2 of MLA's attention forward and backward: tensor cores through mma.sync.m16n8k16 (BF16 in,
// FP32 accumulate), FlashAttention-2's structure: 4 warps x 16 query rows per block, Q fragments held in registers, S =
// Q K^T and O += P V per 64-key step, P kept in registers (the accumulator layout of two 16 x 8 tiles is the A layout
// of one 16 x 16); backward as version 1's two deterministic kernels, on mma.sync. Plain 16-byte loads, no cp.async
// pipeline, no ldmatrix yet. Checked on the CPU through the host emulation of mma.sync; not yet run on a GPU.
#pragma once
#include <cstdint>

#include "kernels/mla/mla_device_common.cuh"
#include "kernels/mla/sm90_bf16_mla_attention_config.h"
#include "kernels/mla/sm90_bf16_mla_attention_kernels.cuh"

namespace trainsim::kernels::mla_v2 {

using mla_device::accumulators_as_a;
using mla_device::column_pair;
using mla_device::copy_tile;
using mla_device::load_pair;
using mla_device::rows_as_a;
using mla_v1::SeqHead;

constexpr int kQk = kAttnQkDim, kV = kAttnVDim, kBQ = kAttnV2BlockQ, kBK = kAttnV2BlockK;
constexpr int kQS = kQk + kAttnV2RowPad, kVS = kV + kAttnV2RowPad;  // padded BF16 row strides
constexpr int kQkSteps = kQk / 16;                                  // 12 k-steps of S = Q K^T
constexpr int kSTiles = kBK / 8;                                    // 8 score tiles of 16 x 8 per warp
constexpr int kPvSteps = kBK / 16;                                  // 4 k-steps of O += P V
constexpr int kOTiles = kV / 8;                                     // 16 output tiles of 16 x 8 per warp

__global__ void __launch_bounds__(kAttnV2Threads)
    attention_forward_mma_kernel(AttentionDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                                 const __nv_bfloat16* v, __nv_bfloat16* o, float* lse) {
  __nv_bfloat16* sQ = reinterpret_cast<__nv_bfloat16*>(mla_device::dynamic_smem());
  __nv_bfloat16* sK = sQ + kBQ * kQS;
  __nv_bfloat16* sV = sK + kBK * kQS;
  const SeqHead sh(args);
  const int tile = attention_tile_of_block(blockIdx.x, gridDim.x);
  const int q0 = tile * kBQ;
  if (q0 >= sh.len) return;
  const int q_valid = min(kBQ, sh.len - q0);
  const size_t ld_qk = size_t(args.heads) * kQk, ld_v = size_t(args.heads) * kV;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int row0 = warp * 16 + g;  // this thread's rows in the tile: row0 and row0 + 8
  const int qi[2] = {q0 + row0, q0 + row0 + 8};

  copy_tile<kQk, kQS>(sQ, q + sh.row(args, q0) * kQk, ld_qk, kBQ, q_valid);
  __syncthreads();
  uint32_t qf[kQkSteps][4];
#pragma unroll
  for (int ks = 0; ks < kQkSteps; ++ks) {
    const int c = ks * 16 + 2 * t;
    qf[ks][0] = load_pair(sQ + row0 * kQS + c);
    qf[ks][1] = load_pair(sQ + (row0 + 8) * kQS + c);
    qf[ks][2] = load_pair(sQ + row0 * kQS + c + 8);
    qf[ks][3] = load_pair(sQ + (row0 + 8) * kQS + c + 8);
  }
  float acc[kOTiles][4] = {};
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};

  for (int kt = 0; kt <= tile; ++kt) {  // key tiles up to the diagonal (kBK == kBQ)
    const int k0 = kt * kBK, k_valid = min(kBK, sh.len - k0);
    __syncthreads();  // every warp is done with the previous K, V tiles
    copy_tile<kQk, kQS>(sK, k + sh.row(args, k0) * kQk, ld_qk, kBK, k_valid);
    copy_tile<kV, kVS>(sV, v + sh.row(args, k0) * kV, ld_v, kBK, k_valid);
    __syncthreads();

    float s[kSTiles][4] = {};
#pragma unroll
    for (int ks = 0; ks < kQkSteps; ++ks)
#pragma unroll
      for (int n = 0; n < kSTiles; ++n) {
        const __nv_bfloat16* kr = sK + (n * 8 + g) * kQS + ks * 16 + 2 * t;  // B(k = dim, n = key) = K[key][dim]
        const uint32_t b[2] = {load_pair(kr), load_pair(kr + 8)};
        mla_device::mma_bf16_16816(s[n], qf[ks], b);
      }

    float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int n = 0; n < kSTiles; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int r = e / 2, kj = k0 + n * 8 + 2 * t + (e % 2);
        s[n][e] = (kj <= qi[r] && kj < sh.len) ? s[n][e] * args.scale : -INFINITY;
        mx[r] = fmaxf(mx[r], s[n][e]);
      }
    float alpha[2], m_use[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {  // the 4 lanes of a quad hold one row's 64 scores between them
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
      const float m_new = fmaxf(m[r], mx[r]);
      m_use[r] = m_new == -INFINITY ? 0.f : m_new;  // a row with no visible key yet keeps p = 0
      alpha[r] = __expf(m[r] - m_use[r]);
      m[r] = m_new;
    }
    mla_device::online_softmax_step(s, acc, l, m_use, alpha);
#pragma unroll
    for (int ps = 0; ps < kPvSteps; ++ps) {
      const uint32_t a[4] = {mla_device::pack_bf16x2(s[2 * ps][0], s[2 * ps][1]),
                             mla_device::pack_bf16x2(s[2 * ps][2], s[2 * ps][3]),
                             mla_device::pack_bf16x2(s[2 * ps + 1][0], s[2 * ps + 1][1]),
                             mla_device::pack_bf16x2(s[2 * ps + 1][2], s[2 * ps + 1][3])};
      const int key = ps * 16 + 2 * t;
#pragma unroll
      for (int j = 0; j < kOTiles; ++j) {
        const __nv_bfloat16* vc = sV + key * kVS + j * 8 + g;  // B(k = key, n = column) = V[key][column]
        const uint32_t b[2] = {mla_device::bf16_bits(vc[0]) | (mla_device::bf16_bits(vc[kVS]) << 16),
                               mla_device::bf16_bits(vc[8 * kVS]) | (mla_device::bf16_bits(vc[9 * kVS]) << 16)};
        mla_device::mma_bf16_16816(acc[j], a, b);
      }
    }
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = row0 + 8 * r;
    if (row >= q_valid) continue;
    const float inv = l[r] > 0.f ? 1.f / l[r] : 0.f;
    __nv_bfloat16* out = o + sh.row(args, q0 + row) * kV;
#pragma unroll
    for (int j = 0; j < kOTiles; ++j) {
      out[j * 8 + 2 * t] = __float2bfloat16(acc[j][2 * r] * inv);
      out[j * 8 + 2 * t + 1] = __float2bfloat16(acc[j][2 * r + 1] * inv);
    }
    if (t == 0) lse[sh.row(args, q0 + row)] = m[r] + logf(l[r]);
  }
}

// Backward, dK and dV of one 64-key tile: warp w owns keys 16 w .. 16 w + 15 and computes, per 64-query tile at
// or below the diagonal, S^T = K Q^T, dP^T = V dO^T, P^T, dS^T = P^T (dP^T - delta), dV += P^T dO, dK += dS^T Q.
__global__ void __launch_bounds__(kAttnV2Threads)
    attention_dkdv_mma_kernel(AttentionDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                              const __nv_bfloat16* v, const float* lse, const __nv_bfloat16* d_o, const float* delta,
                              __nv_bfloat16* dk, __nv_bfloat16* dv) {
  __nv_bfloat16* sK = reinterpret_cast<__nv_bfloat16*>(mla_device::dynamic_smem());
  __nv_bfloat16* sQ = sK + kBK * kQS;
  __nv_bfloat16* sV = sQ + kBQ * kQS;
  __nv_bfloat16* sdO = sV + kBK * kVS;
  float* sLse = reinterpret_cast<float*>(sdO + kBQ * kVS);
  float* sD = sLse + kBQ;
  const SeqHead sh(args);
  const int kt = blockIdx.x, k0 = kt * kBK;  // block x = key tile: the longest loops start first
  if (k0 >= sh.len) return;
  const int k_valid = min(kBK, sh.len - k0);
  const size_t ld_qk = size_t(args.heads) * kQk, ld_v = size_t(args.heads) * kV;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int kr0 = warp * 16;  // this warp's first key row in the tile
  copy_tile<kQk, kQS>(sK, k + sh.row(args, k0) * kQk, ld_qk, kBK, k_valid);
  copy_tile<kV, kVS>(sV, v + sh.row(args, k0) * kV, ld_v, kBK, k_valid);
  float dk_acc[kQk / 8][4] = {}, dv_acc[kOTiles][4] = {};
  const int q_tiles = attention_tiles(sh.len);
  for (int qt = kt; qt < q_tiles; ++qt) {
    const int q0 = qt * kBQ, q_valid = min(kBQ, sh.len - q0);
    __syncthreads();  // every warp is done with the previous Q, dO tiles
    copy_tile<kQk, kQS>(sQ, q + sh.row(args, q0) * kQk, ld_qk, kBQ, q_valid);
    copy_tile<kV, kVS>(sdO, d_o + sh.row(args, q0) * kV, ld_v, kBQ, q_valid);
    if (int(threadIdx.x) < kBQ) {
      const bool valid = int(threadIdx.x) < q_valid;
      sLse[threadIdx.x] = valid ? lse[sh.row(args, q0 + threadIdx.x)] : 0.f;
      sD[threadIdx.x] = valid ? delta[sh.row(args, q0 + threadIdx.x)] : 0.f;
    }
    __syncthreads();
    float st[kSTiles][4] = {}, dpt[kSTiles][4] = {};
#pragma unroll
    for (int ks = 0; ks < kQkSteps; ++ks) {
      uint32_t a[4];
      rows_as_a(sK, kQS, kr0, ks * 16, a);
#pragma unroll
      for (int n = 0; n < kSTiles; ++n) {  // B(k = dim, n = query) = Q[query][dim]
        const __nv_bfloat16* qr = sQ + (n * 8 + g) * kQS + ks * 16 + 2 * t;
        const uint32_t b[2] = {load_pair(qr), load_pair(qr + 8)};
        mla_device::mma_bf16_16816(st[n], a, b);
      }
    }
#pragma unroll
    for (int ks = 0; ks < kV / 16; ++ks) {
      uint32_t a[4];
      rows_as_a(sV, kVS, kr0, ks * 16, a);
#pragma unroll
      for (int n = 0; n < kSTiles; ++n) {  // B(k = v dim, n = query) = dO[query][v dim]
        const __nv_bfloat16* dr = sdO + (n * 8 + g) * kVS + ks * 16 + 2 * t;
        const uint32_t b[2] = {load_pair(dr), load_pair(dr + 8)};
        mla_device::mma_bf16_16816(dpt[n], a, b);
      }
    }
#pragma unroll
    for (int n = 0; n < kSTiles; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) {  // row = key, column = query
        const int kj = k0 + kr0 + g + 8 * (e / 2), col = n * 8 + 2 * t + (e % 2), qi = q0 + col;
        const bool visible = qi < sh.len && kj <= qi;
        const float p = visible ? __expf(st[n][e] * args.scale - sLse[col]) : 0.f;
        st[n][e] = p;
        dpt[n][e] = p * (dpt[n][e] - sD[col]);
      }
#pragma unroll
    for (int ps = 0; ps < kPvSteps; ++ps) {  // k = query: 16 queries per step
      uint32_t ap[4], ads[4];
      accumulators_as_a(st[2 * ps], st[2 * ps + 1], ap);
      accumulators_as_a(dpt[2 * ps], dpt[2 * ps + 1], ads);
      const int qr = ps * 16 + 2 * t;
#pragma unroll
      for (int j = 0; j < kOTiles; ++j) {  // B(k = query, n = v column) = dO[query][column]
        const __nv_bfloat16* c = sdO + qr * kVS + j * 8 + g;
        const uint32_t b[2] = {column_pair(c, kVS), column_pair(c + 8 * kVS, kVS)};
        mla_device::mma_bf16_16816(dv_acc[j], ap, b);
      }
#pragma unroll
      for (int j = 0; j < kQk / 8; ++j) {  // B(k = query, n = qk column) = Q[query][column]
        const __nv_bfloat16* c = sQ + qr * kQS + j * 8 + g;
        const uint32_t b[2] = {column_pair(c, kQS), column_pair(c + 8 * kQS, kQS)};
        mla_device::mma_bf16_16816(dk_acc[j], ads, b);
      }
    }
  }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = kr0 + g + 8 * r;
    if (row >= k_valid) continue;
    __nv_bfloat16* dk_row = dk + sh.row(args, k0 + row) * kQk;
    __nv_bfloat16* dv_row = dv + sh.row(args, k0 + row) * kV;
#pragma unroll
    for (int j = 0; j < kQk / 8; ++j) {
      dk_row[j * 8 + 2 * t] = __float2bfloat16(dk_acc[j][2 * r] * args.scale);
      dk_row[j * 8 + 2 * t + 1] = __float2bfloat16(dk_acc[j][2 * r + 1] * args.scale);
    }
#pragma unroll
    for (int j = 0; j < kOTiles; ++j) {
      dv_row[j * 8 + 2 * t] = __float2bfloat16(dv_acc[j][2 * r]);
      dv_row[j * 8 + 2 * t + 1] = __float2bfloat16(dv_acc[j][2 * r + 1]);
    }
  }
}

// Backward, dQ of one 64-query tile: warp w owns queries 16 w .. 16 w + 15; per key tile up to the diagonal,
// S = Q K^T, dP = dO V^T, dS = P (dP - delta), dQ += dS K. P recomputed: no atomics, bit-reproducible.
__global__ void __launch_bounds__(kAttnV2Threads)
    attention_dq_mma_kernel(AttentionDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                            const __nv_bfloat16* v, const float* lse, const __nv_bfloat16* d_o, const float* delta,
                            __nv_bfloat16* dq) {
  __nv_bfloat16* sQ = reinterpret_cast<__nv_bfloat16*>(mla_device::dynamic_smem());
  __nv_bfloat16* sK = sQ + kBQ * kQS;
  __nv_bfloat16* sdO = sK + kBK * kQS;
  __nv_bfloat16* sV = sdO + kBQ * kVS;
  const SeqHead sh(args);
  const int tile = attention_tile_of_block(blockIdx.x, gridDim.x);
  const int q0 = tile * kBQ;
  if (q0 >= sh.len) return;
  const int q_valid = min(kBQ, sh.len - q0);
  const size_t ld_qk = size_t(args.heads) * kQk, ld_v = size_t(args.heads) * kV;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int qr0 = warp * 16;
  copy_tile<kQk, kQS>(sQ, q + sh.row(args, q0) * kQk, ld_qk, kBQ, q_valid);
  copy_tile<kV, kVS>(sdO, d_o + sh.row(args, q0) * kV, ld_v, kBQ, q_valid);
  float row_lse[2], row_delta[2];
  int qi[2];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = qr0 + g + 8 * r;
    qi[r] = q0 + row;
    row_lse[r] = row < q_valid ? lse[sh.row(args, q0 + row)] : 0.f;
    row_delta[r] = row < q_valid ? delta[sh.row(args, q0 + row)] : 0.f;
  }
  float dq_acc[kQk / 8][4] = {};
  for (int kt = 0; kt <= tile; ++kt) {
    const int k0 = kt * kBK, k_valid = min(kBK, sh.len - k0);
    __syncthreads();  // every warp is done with the previous K, V tiles (and Q, dO are in place)
    copy_tile<kQk, kQS>(sK, k + sh.row(args, k0) * kQk, ld_qk, kBK, k_valid);
    copy_tile<kV, kVS>(sV, v + sh.row(args, k0) * kV, ld_v, kBK, k_valid);
    __syncthreads();
    float s[kSTiles][4] = {}, dp[kSTiles][4] = {};
#pragma unroll
    for (int ks = 0; ks < kQkSteps; ++ks) {
      uint32_t a[4];
      rows_as_a(sQ, kQS, qr0, ks * 16, a);
#pragma unroll
      for (int n = 0; n < kSTiles; ++n) {  // B(k = dim, n = key) = K[key][dim]
        const __nv_bfloat16* kr = sK + (n * 8 + g) * kQS + ks * 16 + 2 * t;
        const uint32_t b[2] = {load_pair(kr), load_pair(kr + 8)};
        mla_device::mma_bf16_16816(s[n], a, b);
      }
    }
#pragma unroll
    for (int ks = 0; ks < kV / 16; ++ks) {
      uint32_t a[4];
      rows_as_a(sdO, kVS, qr0, ks * 16, a);
#pragma unroll
      for (int n = 0; n < kSTiles; ++n) {  // B(k = v dim, n = key) = V[key][v dim]
        const __nv_bfloat16* vr = sV + (n * 8 + g) * kVS + ks * 16 + 2 * t;
        const uint32_t b[2] = {load_pair(vr), load_pair(vr + 8)};
        mla_device::mma_bf16_16816(dp[n], a, b);
      }
    }
#pragma unroll
    for (int n = 0; n < kSTiles; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) {  // row = query, column = key
        const int r = e / 2, kj = k0 + n * 8 + 2 * t + (e % 2);
        const bool visible = qi[r] < sh.len && kj <= qi[r];
        const float p = visible ? __expf(s[n][e] * args.scale - row_lse[r]) : 0.f;
        dp[n][e] = p * (dp[n][e] - row_delta[r]);
      }
#pragma unroll
    for (int ps = 0; ps < kPvSteps; ++ps) {  // k = key: 16 keys per step
      uint32_t ads[4];
      accumulators_as_a(dp[2 * ps], dp[2 * ps + 1], ads);
      const int kr = ps * 16 + 2 * t;
#pragma unroll
      for (int j = 0; j < kQk / 8; ++j) {  // B(k = key, n = qk column) = K[key][column]
        const __nv_bfloat16* c = sK + kr * kQS + j * 8 + g;
        const uint32_t b[2] = {column_pair(c, kQS), column_pair(c + 8 * kQS, kQS)};
        mla_device::mma_bf16_16816(dq_acc[j], ads, b);
      }
    }
  }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = qr0 + g + 8 * r;
    if (row >= q_valid) continue;
    __nv_bfloat16* dq_row = dq + sh.row(args, q0 + row) * kQk;
#pragma unroll
    for (int j = 0; j < kQk / 8; ++j) {
      dq_row[j * 8 + 2 * t] = __float2bfloat16(dq_acc[j][2 * r] * args.scale);
      dq_row[j * 8 + 2 * t + 1] = __float2bfloat16(dq_acc[j][2 * r + 1] * args.scale);
    }
  }
}

}  // namespace trainsim::kernels::mla_v2
