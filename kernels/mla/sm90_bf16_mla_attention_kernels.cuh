// Device code of version 1 of MLA's causal attention core: the simplest correct flash-style tiling, FP32 FMA
// on shared-memory tiles (no tensor cores yet), online softmax, log-sum-exp saved; backward as two
// deterministic kernels. Included by sm90_bf16_mla_attention.cu and, on the CPU, by the host emulation test.
#pragma once
#include "kernels/mla/mla_device_common.cuh"
#include "kernels/mla/sm90_bf16_mla_attention_config.h"

namespace trainsim::kernels::mla_v1 {

constexpr int kQk = kAttnQkDim, kV = kAttnVDim, kBQ = kAttnBlockQ, kBK = kAttnBlockK;
constexpr int kQkP = kQk + 1, kVP = kV + 1, kSP = kBK + 1;  // padded row strides (floats)
constexpr int kTR = kAttnThreadRows, kTC = kAttnThreadCols;
constexpr int kRows = kBQ / kTR;    // 4 rows of a 64-row tile per thread
constexpr int kColsS = kBK / kTC;   // 4 score columns per thread
constexpr int kColsQk = kQk / kTC;  // 12 columns of dQ / dK per thread
constexpr int kColsV = kV / kTC;    // 8 columns of O / dV per thread

// Copies `rows` rows of kCols BF16 values (global row stride ld) into float rows of stride sld; rows at or
// past `valid` become zeros, so masked lanes multiply finite numbers.
template <int kCols>
__device__ void load_tile(float* dst, int sld, const __nv_bfloat16* src, size_t ld, int rows, int valid) {
  constexpr int kPairs = kCols / 2;
  for (int idx = threadIdx.x; idx < rows * kPairs; idx += blockDim.x) {
    const int r = idx / kPairs, c = 2 * (idx % kPairs);
    float2 f = make_float2(0.f, 0.f);
    if (r < valid) f = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(src + r * ld + c));
    dst[r * sld + c] = f.x;
    dst[r * sld + c + 1] = f.y;
  }
}

// Per-block view of one (sequence, head): first token and length.
struct SeqHead {
  int t0, len, head;
  __device__ SeqHead(const AttentionDeviceArgs& a)
      : t0(a.cu_seqlens[blockIdx.z]), len(a.cu_seqlens[blockIdx.z + 1] - a.cu_seqlens[blockIdx.z]), head(blockIdx.y) {}
  __device__ size_t row(const AttentionDeviceArgs& a, int pos) const { return size_t(t0 + pos) * a.heads + head; }
};

// s[i][j] = sum_d A[(ty + 16 i)][d] * B[(tx + 16 j)][d]: the thread's 4 x 4 cell of a 64 x 64 product.
template <int kDim, int kStride>
__device__ void tile_dot(float (&s)[kRows][kColsS], const float* a, const float* b, int tx, int ty) {
#pragma unroll 4
  for (int d = 0; d < kDim; ++d) {
    float av[kRows], bv[kColsS];
#pragma unroll
    for (int i = 0; i < kRows; ++i) av[i] = a[(ty + kTR * i) * kStride + d];
#pragma unroll
    for (int j = 0; j < kColsS; ++j) bv[j] = b[(tx + kTC * j) * kStride + d];
#pragma unroll
    for (int i = 0; i < kRows; ++i)
#pragma unroll
      for (int j = 0; j < kColsS; ++j) s[i][j] = fmaf(av[i], bv[j], s[i][j]);
  }
}

__global__ void __launch_bounds__(kAttnThreads)
    attention_forward_kernel(AttentionDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                             const __nv_bfloat16* v, __nv_bfloat16* o, float* lse) {
  float* smem = mla_device::dynamic_smem();
  float* sQ = smem;
  float* sK = sQ + kBQ * kQkP;
  float* sV = sK + kBK * kQkP;
  float* sP = sV + kBK * kVP;
  float* sM = sP + kBQ * kSP;
  float* sL = sM + kBQ;
  float* sAlpha = sL + kBQ;
  const SeqHead sh(args);
  const int tile = attention_tile_of_block(blockIdx.x, gridDim.x);
  const int q0 = tile * kBQ;
  if (q0 >= sh.len) return;
  const int q_valid = min(kBQ, sh.len - q0);
  const size_t ld_qk = size_t(args.heads) * kQk, ld_v = size_t(args.heads) * kV;
  const int tx = threadIdx.x % kTC, ty = threadIdx.x / kTC;

  load_tile<kQk>(sQ, kQkP, q + sh.row(args, q0) * kQk, ld_qk, kBQ, q_valid);
  if (threadIdx.x < kBQ) {
    sM[threadIdx.x] = -INFINITY;
    sL[threadIdx.x] = 0.f;
  }
  float acc[kRows][kColsV] = {};
  for (int kt = 0; kt <= tile; ++kt) {
    const int k0 = kt * kBK, k_valid = min(kBK, sh.len - k0);
    __syncthreads();  // the previous step is done with sK, sV, sP
    load_tile<kQk>(sK, kQkP, k + sh.row(args, k0) * kQk, ld_qk, kBK, k_valid);
    load_tile<kV>(sV, kVP, v + sh.row(args, k0) * kV, ld_v, kBK, k_valid);
    __syncthreads();
    float s[kRows][kColsS] = {};
    tile_dot<kQk, kQkP>(s, sQ, sK, tx, ty);
#pragma unroll
    for (int i = 0; i < kRows; ++i)
#pragma unroll
      for (int j = 0; j < kColsS; ++j) {
        const int qi = q0 + ty + kTR * i, kj = k0 + tx + kTC * j;
        sP[(ty + kTR * i) * kSP + tx + kTC * j] = (kj <= qi && kj < sh.len) ? s[i][j] * args.scale : -INFINITY;
      }
    __syncthreads();
    {  // online softmax: 4 lanes of one warp per row, 16 columns each
      const int r = threadIdx.x / 4, part = threadIdx.x % 4;
      const float m_old = sM[r], l_old = sL[r];
      float mx = -INFINITY;
      for (int c = part * 16; c < part * 16 + 16; ++c) mx = fmaxf(mx, sP[r * kSP + c]);
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m_old, mx);
      const float m_use = m_new == -INFINITY ? 0.f : m_new;  // a row with no visible key yet keeps p = 0
      float sum = 0.f;
      for (int c = part * 16; c < part * 16 + 16; ++c) {
        const float p = __expf(sP[r * kSP + c] - m_use);
        sP[r * kSP + c] = p;
        sum += p;
      }
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      __syncwarp();
      if (part == 0) {
        const float alpha = __expf(m_old - m_use);
        sAlpha[r] = alpha;
        sL[r] = l_old * alpha + sum;
        sM[r] = m_new;
      }
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      const float alpha = sAlpha[ty + kTR * i];
#pragma unroll
      for (int j = 0; j < kColsV; ++j) acc[i][j] *= alpha;
    }
#pragma unroll 4
    for (int kk = 0; kk < kBK; ++kk) {
      float pv[kRows], vv[kColsV];
#pragma unroll
      for (int i = 0; i < kRows; ++i) pv[i] = sP[(ty + kTR * i) * kSP + kk];
#pragma unroll
      for (int j = 0; j < kColsV; ++j) vv[j] = sV[kk * kVP + tx + kTC * j];
#pragma unroll
      for (int i = 0; i < kRows; ++i)
#pragma unroll
        for (int j = 0; j < kColsV; ++j) acc[i][j] = fmaf(pv[i], vv[j], acc[i][j]);
    }
  }
  // sM and sL were last written before the loop's final __syncthreads.
#pragma unroll
  for (int i = 0; i < kRows; ++i) {
    const int r = ty + kTR * i;
    if (r >= q_valid) continue;
    const float inv = 1.f / sL[r];
    __nv_bfloat16* out = o + sh.row(args, q0 + r) * kV;
#pragma unroll
    for (int j = 0; j < kColsV; ++j) out[tx + kTC * j] = __float2bfloat16(acc[i][j] * inv);
  }
  const int tid = threadIdx.x;
  if (tid < q_valid) lse[sh.row(args, q0 + tid)] = sM[tid] + logf(sL[tid]);
}

// delta[row] = sum_c dO[row][c] * O[row][c]: one warp per (token, head) row.
__global__ void attention_delta_kernel(long long rows, const __nv_bfloat16* o, const __nv_bfloat16* d_o, float* delta) {
  const long long row = static_cast<long long>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  if (row >= rows) return;
  const int lane = threadIdx.x % 32;
  float sum = 0.f;
  for (int c = lane; c < kV; c += 32) sum += __bfloat162float(o[row * kV + c]) * __bfloat162float(d_o[row * kV + c]);
  for (int off = 16; off > 0; off /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, off);
  if (lane == 0) delta[row] = sum;
}

// P and dS of one (query tile, key tile) into shared memory: the thread's 4 x 4 cell, masked causally.
__device__ void probabilities_and_ds(const AttentionDeviceArgs& args, const SeqHead& sh, int q0, int k0,
                                     const float* sQ, const float* sK, const float* sdO, const float* sV,
                                     const float* sLse, const float* sD, float* sP, float* sdS, int tx, int ty) {
  float s[kRows][kColsS] = {}, dp[kRows][kColsS] = {};
  tile_dot<kQk, kQkP>(s, sQ, sK, tx, ty);
  tile_dot<kV, kVP>(dp, sdO, sV, tx, ty);
#pragma unroll
  for (int i = 0; i < kRows; ++i)
#pragma unroll
    for (int j = 0; j < kColsS; ++j) {
      const int r = ty + kTR * i, c = tx + kTC * j;
      const int qi = q0 + r, kj = k0 + c;
      const bool visible = qi < sh.len && kj <= qi;
      const float p = visible ? __expf(s[i][j] * args.scale - sLse[r]) : 0.f;
      if (sP) sP[r * kSP + c] = p;
      sdS[r * kSP + c] = p * (dp[i][j] - sD[r]);
    }
}

__device__ void load_rows(float* dst, const float* src, const AttentionDeviceArgs& args, const SeqHead& sh, int q0,
                          int q_valid) {
  if (threadIdx.x < kBQ) dst[threadIdx.x] = int(threadIdx.x) < q_valid ? src[sh.row(args, q0 + threadIdx.x)] : 0.f;
}

// dK, dV of one key tile: loops over the query tiles at and below the diagonal (block x = key tile, so the
// longest loops start first).
__global__ void __launch_bounds__(kAttnThreads)
    attention_dkdv_kernel(AttentionDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                          const __nv_bfloat16* v, const float* lse, const __nv_bfloat16* d_o, const float* delta,
                          __nv_bfloat16* dk, __nv_bfloat16* dv) {
  float* smem = mla_device::dynamic_smem();
  float* sK = smem;
  float* sQ = sK + kBK * kQkP;
  float* sV = sQ + kBQ * kQkP;
  float* sdO = sV + kBK * kVP;
  float* sP = sdO + kBQ * kVP;
  float* sdS = sP + kBQ * kSP;
  float* sLse = sdS + kBQ * kSP;
  float* sD = sLse + kBQ;
  const SeqHead sh(args);
  const int kt = blockIdx.x, k0 = kt * kBK;
  if (k0 >= sh.len) return;
  const int k_valid = min(kBK, sh.len - k0);
  const size_t ld_qk = size_t(args.heads) * kQk, ld_v = size_t(args.heads) * kV;
  const int tx = threadIdx.x % kTC, ty = threadIdx.x / kTC;
  load_tile<kQk>(sK, kQkP, k + sh.row(args, k0) * kQk, ld_qk, kBK, k_valid);
  load_tile<kV>(sV, kVP, v + sh.row(args, k0) * kV, ld_v, kBK, k_valid);
  float dk_acc[kRows][kColsQk] = {}, dv_acc[kRows][kColsV] = {};
  const int q_tiles = attention_tiles(sh.len);
  for (int qt = kt; qt < q_tiles; ++qt) {
    const int q0 = qt * kBQ, q_valid = min(kBQ, sh.len - q0);
    __syncthreads();  // the previous step is done with sQ, sdO, sP, sdS
    load_tile<kQk>(sQ, kQkP, q + sh.row(args, q0) * kQk, ld_qk, kBQ, q_valid);
    load_tile<kV>(sdO, kVP, d_o + sh.row(args, q0) * kV, ld_v, kBQ, q_valid);
    load_rows(sLse, lse, args, sh, q0, q_valid);
    load_rows(sD, delta, args, sh, q0, q_valid);
    __syncthreads();
    probabilities_and_ds(args, sh, q0, k0, sQ, sK, sdO, sV, sLse, sD, sP, sdS, tx, ty);
    __syncthreads();
    // This thread now owns key rows ty + 16 i: dV += P^T dO, dK += dS^T Q.
#pragma unroll 2
    for (int r = 0; r < kBQ; ++r) {
      float pv[kRows], dsv[kRows];
#pragma unroll
      for (int i = 0; i < kRows; ++i) {
        pv[i] = sP[r * kSP + ty + kTR * i];
        dsv[i] = sdS[r * kSP + ty + kTR * i];
      }
#pragma unroll
      for (int j = 0; j < kColsV; ++j) {
        const float g = sdO[r * kVP + tx + kTC * j];
#pragma unroll
        for (int i = 0; i < kRows; ++i) dv_acc[i][j] = fmaf(pv[i], g, dv_acc[i][j]);
      }
#pragma unroll
      for (int j = 0; j < kColsQk; ++j) {
        const float x = sQ[r * kQkP + tx + kTC * j];
#pragma unroll
        for (int i = 0; i < kRows; ++i) dk_acc[i][j] = fmaf(dsv[i], x, dk_acc[i][j]);
      }
    }
  }
#pragma unroll
  for (int i = 0; i < kRows; ++i) {
    const int r = ty + kTR * i;
    if (r >= k_valid) continue;
    __nv_bfloat16* dk_row = dk + sh.row(args, k0 + r) * kQk;
    __nv_bfloat16* dv_row = dv + sh.row(args, k0 + r) * kV;
#pragma unroll
    for (int j = 0; j < kColsQk; ++j) dk_row[tx + kTC * j] = __float2bfloat16(dk_acc[i][j] * args.scale);
#pragma unroll
    for (int j = 0; j < kColsV; ++j) dv_row[tx + kTC * j] = __float2bfloat16(dv_acc[i][j]);
  }
}

// dQ of one query tile: loops over the key tiles 0 .. diagonal, recomputing P (no atomics, deterministic).
__global__ void __launch_bounds__(kAttnThreads)
    attention_dq_kernel(AttentionDeviceArgs args, const __nv_bfloat16* q, const __nv_bfloat16* k,
                        const __nv_bfloat16* v, const float* lse, const __nv_bfloat16* d_o, const float* delta,
                        __nv_bfloat16* dq) {
  float* smem = mla_device::dynamic_smem();
  float* sQ = smem;
  float* sK = sQ + kBQ * kQkP;
  float* sdO = sK + kBK * kQkP;
  float* sV = sdO + kBQ * kVP;
  float* sdS = sV + kBK * kVP;
  float* sLse = sdS + kBQ * kSP;
  float* sD = sLse + kBQ;
  const SeqHead sh(args);
  const int tile = attention_tile_of_block(blockIdx.x, gridDim.x);
  const int q0 = tile * kBQ;
  if (q0 >= sh.len) return;
  const int q_valid = min(kBQ, sh.len - q0);
  const size_t ld_qk = size_t(args.heads) * kQk, ld_v = size_t(args.heads) * kV;
  const int tx = threadIdx.x % kTC, ty = threadIdx.x / kTC;
  load_tile<kQk>(sQ, kQkP, q + sh.row(args, q0) * kQk, ld_qk, kBQ, q_valid);
  load_tile<kV>(sdO, kVP, d_o + sh.row(args, q0) * kV, ld_v, kBQ, q_valid);
  load_rows(sLse, lse, args, sh, q0, q_valid);
  load_rows(sD, delta, args, sh, q0, q_valid);
  float dq_acc[kRows][kColsQk] = {};
  for (int kt = 0; kt <= tile; ++kt) {
    const int k0 = kt * kBK, k_valid = min(kBK, sh.len - k0);
    __syncthreads();  // the previous step is done with sK, sV, sdS
    load_tile<kQk>(sK, kQkP, k + sh.row(args, k0) * kQk, ld_qk, kBK, k_valid);
    load_tile<kV>(sV, kVP, v + sh.row(args, k0) * kV, ld_v, kBK, k_valid);
    __syncthreads();
    probabilities_and_ds(args, sh, q0, k0, sQ, sK, sdO, sV, sLse, sD, nullptr, sdS, tx, ty);
    __syncthreads();
#pragma unroll 2
    for (int kk = 0; kk < kBK; ++kk) {
      float dsv[kRows];
#pragma unroll
      for (int i = 0; i < kRows; ++i) dsv[i] = sdS[(ty + kTR * i) * kSP + kk];
#pragma unroll
      for (int j = 0; j < kColsQk; ++j) {
        const float x = sK[kk * kQkP + tx + kTC * j];
#pragma unroll
        for (int i = 0; i < kRows; ++i) dq_acc[i][j] = fmaf(dsv[i], x, dq_acc[i][j]);
      }
    }
  }
#pragma unroll
  for (int i = 0; i < kRows; ++i) {
    const int r = ty + kTR * i;
    if (r >= q_valid) continue;
    __nv_bfloat16* dq_row = dq + sh.row(args, q0 + r) * kQk;
#pragma unroll
    for (int j = 0; j < kColsQk; ++j) dq_row[tx + kTC * j] = __float2bfloat16(dq_acc[i][j] * args.scale);
  }
}

}  // namespace trainsim::kernels::mla_v1
