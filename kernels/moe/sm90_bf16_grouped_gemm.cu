// Grouped expert GEMMs, simplest correct version: WMMA BF16 tensor-core tiles (mma.sync, not yet WGMMA/TMA),
// one 128x128 output tile per block, no pipelining. Correctness baseline and the plug point of the FP8 tile;
// the tuning path (TMA, WGMMA, stages, persistent scheduling over experts) is in NOTES.md.
#include <cuda_bf16.h>
#include <mma.h>

#include <stdexcept>

#include "kernels/common/cuda_check.cuh"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/sm90_bf16_grouped_gemm.h"

namespace trainsim::kernels {

namespace {
using bf16 = __nv_bfloat16;
namespace wmma = nvcuda::wmma;

constexpr int kBlockM = 128, kBlockN = 128, kBlockK = 32, kThreads = 256;
constexpr int kLd = kBlockK + 8;  // +16 bytes per smem row: rows fall on different banks
constexpr int kFrag = 16;
static_assert(kBlockM == kExpertRowAlign,
              "a row tile must hold one expert's rows only: experts start at multiples of kExpertRowAlign");
static_assert(kBlockK % kFrag == 0, "WMMA bf16 fragments reduce 16 values of K at a time");
static_assert(kLd % 8 == 0, "WMMA needs a leading dimension that is a multiple of 8 for 16-bit types");
static_assert(kThreads == 8 * 32 && kBlockM == 2 * 64 && kBlockN == 4 * 32,
              "8 warps as 2 x 4, each owning a 64 x 32 piece (4 x 2 fragments) of the tile");

enum class Mode { kFprop, kSwiglu, kDgrad, kWgrad };

struct Params {
  int num_experts;
  const int* offsets;
  int n, k;
  const bf16* a;  // fprop/swiglu: a; dgrad/wgrad: dd
  const bf16* b;  // fprop/swiglu/dgrad: w; wgrad: a
  void* d;
};

__device__ __forceinline__ void store(float* p, float v) { *p = v; }
__device__ __forceinline__ void store(bf16* p, float v) { *p = __float2bfloat16(v); }

// Loads tile[0..Rows)[0..kBlockK) from an operand whose element (row, red) sits at
// base[row * ld + red] (KContig) or base[red * ld + row] (rows contiguous); zero outside the limits.
// 16-byte loads: ld, the contiguous limit and the tile origins are multiples of 8 elements.
template <bool KContig, int Rows>
__device__ void load_tile(bf16 (*tile)[kLd], const bf16* __restrict__ base, long long ld, int row0, int row_limit,
                          int red0, int red_limit) {
  constexpr int kVectors = Rows * kBlockK / 8;
  for (int v = threadIdx.x; v < kVectors; v += kThreads) {
    if constexpr (KContig) {
      const int r = v / (kBlockK / 8), c = v % (kBlockK / 8) * 8;
      const int row = row0 + r, red = red0 + c;
      uint4 value = make_uint4(0, 0, 0, 0);
      if (row < row_limit && red < red_limit) value = *reinterpret_cast<const uint4*>(base + row * ld + red);
      *reinterpret_cast<uint4*>(&tile[r][c]) = value;
    } else {
      const int c = v / (Rows / 8), r = v % (Rows / 8) * 8;
      const int row = row0 + r, red = red0 + c;
      uint4 value = make_uint4(0, 0, 0, 0);
      if (row < row_limit && red < red_limit) value = *reinterpret_cast<const uint4*>(base + red * ld + row);
      const bf16* parts = reinterpret_cast<const bf16*>(&value);
#pragma unroll
      for (int i = 0; i < 8; ++i) tile[r + i][c] = parts[i];
    }
  }
}

// Expert owning row m0: the last e with offsets[e] <= m0 (empty experts have zero-length segments).
__device__ int expert_of_row(const int* offsets, int num_experts, int m0) {
  int lo = 0, hi = num_experts;  // offsets[lo] <= m0 < offsets[hi]
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (offsets[mid] <= m0) lo = mid; else hi = mid;
  }
  return lo;
}

template <Mode M, typename Out>
__global__ void __launch_bounds__(kThreads) grouped_gemm_kernel(Params p) {
  __shared__ __align__(128) bf16 a_tile[kBlockM][kLd];
  __shared__ __align__(128) bf16 b_tile[kBlockN][kLd];
  __shared__ __align__(128) float stage[kThreads / 32][kFrag * kFrag];

  // The problem of this block: output rows [m0, m_limit), columns from n0, reduction [red_begin, red_end).
  int e, m0, m_limit, red_begin, red_end, n0, n_limit;
  const bf16* b_base;
  if constexpr (M == Mode::kWgrad) {
    e = blockIdx.z;
    m0 = blockIdx.y * kBlockM, m_limit = p.n;
    n0 = blockIdx.x * kBlockN, n_limit = p.k;
    red_begin = p.offsets[e], red_end = p.offsets[e + 1];
    b_base = p.b;
  } else {
    m0 = blockIdx.y * kBlockM;
    if (m0 >= p.offsets[p.num_experts]) return;
    e = expert_of_row(p.offsets, p.num_experts, m0);
    m_limit = p.offsets[e + 1];
    red_begin = 0;
    red_end = M == Mode::kDgrad ? p.n : p.k;
    n0 = blockIdx.x * (M == Mode::kSwiglu ? kBlockN / 2 : kBlockN);
    n_limit = M == Mode::kSwiglu ? p.n / 2 : M == Mode::kDgrad ? p.k : p.n;
    b_base = p.b + static_cast<long long>(e) * p.n * p.k;
  }

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int warp_m = warp / 4, warp_n = warp % 4;
  // Column of fragment j of this warp: plain tiles give each warp 32 adjacent columns; SwiGLU tiles give it
  // gate columns [16 wn, 16 wn + 16) and the matching up columns 64 further, so gate and up meet in registers.
  auto frag_col = [&](int j) { return M == Mode::kSwiglu ? j * 64 + warp_n * kFrag : warp_n * 32 + j * kFrag; };

  wmma::fragment<wmma::accumulator, kFrag, kFrag, kFrag, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  for (int red0 = red_begin; red0 < red_end; red0 += kBlockK) {
    if constexpr (M == Mode::kWgrad) {
      load_tile<false, kBlockM>(a_tile, p.a, p.n, m0, m_limit, red0, red_end);  // dd: (j, r) at dd[r n + j]
      load_tile<false, kBlockN>(b_tile, p.b, p.k, n0, n_limit, red0, red_end);  // a: (i, r) at a[r k + i]
    } else if constexpr (M == Mode::kDgrad) {
      load_tile<true, kBlockM>(a_tile, p.a, p.n, m0, m_limit, red0, red_end);
      load_tile<false, kBlockN>(b_tile, b_base, p.k, n0, n_limit, red0, red_end);  // w: (i, j) at w[j k + i]
    } else if constexpr (M == Mode::kSwiglu) {
      load_tile<true, kBlockM>(a_tile, p.a, p.k, m0, m_limit, red0, red_end);
      load_tile<true, kBlockN / 2>(b_tile, b_base, p.k, n0, n_limit, red0, red_end);  // gate rows
      load_tile<true, kBlockN / 2>(b_tile + kBlockN / 2, b_base + static_cast<long long>(p.n / 2) * p.k, p.k, n0,
                                   n_limit, red0, red_end);  // up rows
    } else {
      load_tile<true, kBlockM>(a_tile, p.a, p.k, m0, m_limit, red0, red_end);
      load_tile<true, kBlockN>(b_tile, b_base, p.k, n0, n_limit, red0, red_end);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kBlockK; kk += kFrag) {
      wmma::fragment<wmma::matrix_a, kFrag, kFrag, kFrag, bf16, wmma::row_major> fa[4];
      wmma::fragment<wmma::matrix_b, kFrag, kFrag, kFrag, bf16, wmma::col_major> fb[2];
#pragma unroll
      for (int i = 0; i < 4; ++i) wmma::load_matrix_sync(fa[i], &a_tile[warp_m * 64 + i * kFrag][kk], kLd);
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], &b_tile[frag_col(j)][kk], kLd);
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }

  // Epilogue: each fragment through a per-warp 16 x 16 stage; lane writes 8 values of one row.
  Out* d = static_cast<Out*>(p.d);
  long long ld_d = M == Mode::kSwiglu ? p.n / 2 : M == Mode::kDgrad ? p.k : M == Mode::kWgrad ? p.k : p.n;
  if constexpr (M == Mode::kWgrad) d += static_cast<long long>(e) * p.n * p.k;
  const int r = lane / 2, c = lane % 2 * 8;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
#pragma unroll
    for (int j = 0; j < (M == Mode::kSwiglu ? 1 : 2); ++j) {
      if constexpr (M == Mode::kSwiglu) {
#pragma unroll
        for (int t = 0; t < acc[i][0].num_elements; ++t) {
          const float gate = acc[i][0].x[t];
          acc[i][0].x[t] = gate / (1.0f + __expf(-gate)) * acc[i][1].x[t];
        }
      }
      wmma::store_matrix_sync(stage[warp], acc[i][j], kFrag, wmma::mem_row_major);
      __syncwarp();
      const int row = m0 + warp_m * 64 + i * kFrag + r;
      const int col0 = n0 + (M == Mode::kSwiglu ? warp_n * kFrag : frag_col(j)) + c;
      if (row < m_limit)
#pragma unroll
        for (int t = 0; t < 8; ++t)
          if (col0 + t < n_limit) store(d + row * ld_d + col0 + t, stage[warp][r * kFrag + c + t]);
      __syncwarp();
    }
  }
}

void check_shape(const GroupedGemmShape& s, bool swiglu) {
  if (s.num_experts < 1 || !s.offsets || s.max_rows < 0 || s.n <= 0 || s.k <= 0 || s.n % 8 || s.k % 8)
    throw std::invalid_argument("grouped GEMM: need experts >= 1, device offsets, n and k positive multiples of 8");
  if (swiglu && (s.n / 2) % 8)
    throw std::invalid_argument("grouped SwiGLU GEMM: n / 2 (the intermediate size) must be a multiple of 8");
}

template <Mode M, typename Out>
void launch(const GroupedGemmShape& s, const bf16* a, const bf16* b, Out* d, cudaStream_t stream) {
  check_shape(s, M == Mode::kSwiglu);
  const Params p{s.num_experts, s.offsets, s.n, s.k, a, b, d};
  dim3 grid;
  if constexpr (M == Mode::kWgrad) {
    grid = dim3((s.k + kBlockN - 1) / kBlockN, (s.n + kBlockM - 1) / kBlockM, s.num_experts);
  } else {
    const int cols = M == Mode::kSwiglu ? s.n / 2 : M == Mode::kDgrad ? s.k : s.n;
    const int tile_cols = M == Mode::kSwiglu ? kBlockN / 2 : kBlockN;
    grid = dim3((cols + tile_cols - 1) / tile_cols, (s.max_rows + kBlockM - 1) / kBlockM);
  }
  if (grid.x == 0 || grid.y == 0) return;
  grouped_gemm_kernel<M, Out><<<grid, kThreads, 0, stream>>>(p);
  TS_CUDA_CHECK_LAUNCH();
}
}  // namespace

void launch_sm90_bf16_grouped_gemm_fprop(const GroupedGemmShape& s, const bf16* a, const bf16* w, bf16* d,
                                         cudaStream_t stream) {
  launch<Mode::kFprop>(s, a, w, d, stream);
}
void launch_sm90_bf16_grouped_gemm_fprop(const GroupedGemmShape& s, const bf16* a, const bf16* w, float* d,
                                         cudaStream_t stream) {
  launch<Mode::kFprop>(s, a, w, d, stream);
}
void launch_sm90_bf16_grouped_swiglu_fprop(const GroupedGemmShape& s, const bf16* a, const bf16* w1, bf16* act,
                                           cudaStream_t stream) {
  launch<Mode::kSwiglu>(s, a, w1, act, stream);
}
void launch_sm90_bf16_grouped_gemm_dgrad(const GroupedGemmShape& s, const bf16* dd, const bf16* w, bf16* da,
                                         cudaStream_t stream) {
  launch<Mode::kDgrad>(s, dd, w, da, stream);
}
void launch_sm90_bf16_grouped_gemm_dgrad(const GroupedGemmShape& s, const bf16* dd, const bf16* w, float* da,
                                         cudaStream_t stream) {
  launch<Mode::kDgrad>(s, dd, w, da, stream);
}
void launch_sm90_bf16_grouped_gemm_wgrad(const GroupedGemmShape& s, const bf16* dd, const bf16* a, float* dw,
                                         cudaStream_t stream) {
  launch<Mode::kWgrad>(s, dd, a, dw, stream);
}

}  // namespace trainsim::kernels
