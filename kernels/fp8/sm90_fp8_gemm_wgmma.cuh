// Checked on an H200 (2026-12-04, kernels/runs/2026-12-04-h200): every GEMM check passed; 0.62x cuBLASLt (NOTES.md).
// Device code of the WGMMA block-scaled FP8 GEMM (sm_90a): PTX wrappers (WGMMA, shared-memory descriptors,
// setmaxnreg) and the kernel: a TMA producer warpgroup feeding a ring of mbarrier-guarded stages, and two
// consumer warpgroups that promote each 128-of-K partial sum into FP32 with its scales (DeepGEMM's scheme).
#pragma once
#include <cuda.h>
#include <cuda/ptx>
#include <cuda_bf16.h>

#include <cstdint>

#include "kernels/fp8/sm90_fp8_gemm.h"
#include "kernels/fp8/sm90_fp8_gemm_tuning.h"

namespace trainsim::kernels::fp8::wgmma_detail {

namespace cfg = wgmma_config;
namespace ptx = cuda::ptx;

// What the kernel needs besides the two tensor maps.
struct Problem {
  int m, n, k;
  const float* a_scales;  // kRow1x128 layout
  const float* b_scales;  // kBlock128x128 or kRow1x128 layout (template parameter)
  void* d;
};

// Shared-memory matrix descriptor for a K-major tile written by TMA with 128-byte swizzle (PTX ISA, "Matrix
// Descriptor Format"): start address >> 4 in bits 0-13, stride byte offset (8 rows x 128 B = 1024) >> 4 in
// bits 32-45, layout type 1 (128B swizzle) in bits 62-63; the leading byte offset is unused for this layout.
__device__ __forceinline__ uint64_t smem_descriptor(const void* tile) {
  const auto address = static_cast<uint32_t>(__cvta_generic_to_shared(tile));
  uint64_t desc = (address & 0x3FFFFu) >> 4;
  desc |= static_cast<uint64_t>(1) << 16;
  desc |= static_cast<uint64_t>(1024 >> 4) << 32;
  desc |= static_cast<uint64_t>(1) << 62;
  return desc;
}

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_wait_all() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }
// Keeps the compiler from moving reads or writes of an accumulator across the asynchronous WGMMA.
__device__ __forceinline__ void fence_operand(float& reg) { asm volatile("" : "+f"(reg)::"memory"); }

template <int kRegisters>
__device__ __forceinline__ void setmaxnreg_dec() { asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(kRegisters)); }
template <int kRegisters>
__device__ __forceinline__ void setmaxnreg_inc() { asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(kRegisters)); }

__device__ __forceinline__ void wait_parity(uint64_t* barrier, uint32_t parity) {
  while (!ptx::mbarrier_try_wait_parity(barrier, parity)) {
  }
}

// One m64n128k32 FP8 WGMMA: d (64 FP32 per thread) = A(desc) * B(desc)^T + (accumulate ? d : 0).
__device__ __forceinline__ void wgmma_m64n128k32_e4m3(float (&d)[64], uint64_t desc_a, uint64_t desc_b, int accumulate) {
  asm volatile(
      "{\n"
      ".reg .pred p;\n"
      "setp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3 "
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1;\n"
      "}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
        "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "l"(desc_a), "l"(desc_b), "r"(accumulate));
}

// One D tile (kBlockM x kBlockN) per CTA, placed by raster_tile (1-D grid). kBlockScaledB: B has 128x128 block scales (Fprop,
// Dgrad) rather than per-row 1x128 scales (Wgrad). kPromote: promote every 128 of K; otherwise accumulate the
// whole K in the tensor cores and scale once at the end (scales must be constant along K).
template <bool kPromote, bool kBlockScaledB, typename OutT>
__global__ void __launch_bounds__(cfg::kThreads, 1)
    wgmma_gemm_kernel(const __grid_constant__ CUtensorMap tmap_a, const __grid_constant__ CUtensorMap tmap_b, Problem p) {
  extern __shared__ uint8_t shared_raw[];
  uint8_t* smem = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(shared_raw) + 1023) & ~uintptr_t{1023});
  uint8_t* tiles_a = smem;
  uint8_t* tiles_b = smem + cfg::kStages * cfg::kATileBytes;
  auto* full = reinterpret_cast<uint64_t*>(tiles_b + cfg::kStages * cfg::kBTileBytes);
  uint64_t* empty = full + cfg::kStages;

  const int warpgroup = static_cast<int>(threadIdx.x / 128);
  const cfg::TileCoord tile = cfg::raster_tile(static_cast<int>(blockIdx.x), ceil_div(p.m, cfg::kBlockM),
                                              ceil_div(p.n, cfg::kBlockN));
  const int m0 = tile.m_tile * cfg::kBlockM, n0 = tile.n_tile * cfg::kBlockN;
  const int num_kb = ceil_div(p.k, cfg::kBlockK);
  constexpr uint32_t kConsumers = cfg::kThreads - 128;

  if (threadIdx.x == 0) {
    for (int s = 0; s < cfg::kStages; ++s) {
      ptx::mbarrier_init(&full[s], 1);
      ptx::mbarrier_init(&empty[s], kConsumers);
    }
    // Make the initialised barriers visible to the async proxy (TMA's complete_tx), as CUTLASS/DeepGEMM do.
    ptx::fence_mbarrier_init(ptx::sem_release, ptx::scope_cluster);
    ptx::fence_proxy_async(ptx::space_shared);
  }
  __syncthreads();

  if (warpgroup == 0) {  // producer: one thread issues the TMA loads
    setmaxnreg_dec<cfg::kProducerRegisters>();
    if (threadIdx.x == 0) {
      for (int kb = 0; kb < num_kb; ++kb) {
        const int s = kb % cfg::kStages;
        const auto round = static_cast<uint32_t>(kb / cfg::kStages);
        wait_parity(&empty[s], (round & 1) ^ 1);  // a fresh barrier passes parity 1 at once
        // NOTE: out-of-bounds parts of a box (ragged M, N, K) are zero-filled and still count toward the bytes.
        ptx::mbarrier_arrive_expect_tx(ptx::sem_release, ptx::scope_cta, ptx::space_shared, &full[s],
                                       static_cast<uint32_t>(cfg::kATileBytes + cfg::kBTileBytes));
        const int32_t coords_a[2] = {kb * cfg::kBlockK, m0};
        const int32_t coords_b[2] = {kb * cfg::kBlockK, n0};
        ptx::cp_async_bulk_tensor(ptx::space_cluster, ptx::space_global, tiles_a + s * cfg::kATileBytes, &tmap_a,
                                  coords_a, &full[s]);
        ptx::cp_async_bulk_tensor(ptx::space_cluster, ptx::space_global, tiles_b + s * cfg::kBTileBytes, &tmap_b,
                                  coords_b, &full[s]);
      }
    }
    return;
  }

  setmaxnreg_inc<cfg::kConsumerRegisters>();
  // Accumulator layout of m64nNk32 (PTX ISA, "Matrix fragments for wgmma"): warp w of the warpgroup holds
  // rows 16w + lane/4 and +8; register 4j + {0,1} is (row, 8j + 2(lane%4) + {0,1}), 4j + {2,3} the row + 8.
  const int consumer = warpgroup - 1;
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>((threadIdx.x / 32) % 4);
  const int row0 = m0 + consumer * 64 + warp * 16 + lane / 4, row1 = row0 + 8;
  const int col_base = n0 + 2 * (lane % 4);
  float partial[64];
  float accum[64];
#pragma unroll
  for (int i = 0; i < 64; ++i) partial[i] = accum[i] = 0.0f;

  auto a_scale = [&](int row, int kb) { return row < p.m ? __ldg(&p.a_scales[kb * p.m + row]) : 0.0f; };

  for (int kb = 0; kb < num_kb; ++kb) {
    const int s = kb % cfg::kStages;
    const auto round = static_cast<uint32_t>(kb / cfg::kStages);
    // Scales first: their loads overlap the wait for the tiles. B's block scale too: loaded after the WGMMAs'
    // wait, it stalled the promotion behind an L1TEX round trip every K block (the second H200 lease's profile:
    // long-scoreboard L1TEX, 41.7% of a warp's cycles; without promotion and that load the K loop ran 0.2 us a
    // block faster, kernels/fp8/NOTES.md).
    const int scale_kb = kPromote ? kb : 0;
    const float sa0 = a_scale(row0, scale_kb), sa1 = a_scale(row1, scale_kb);
    float sb_block = 0.0f;
    float2 sb_columns[kPromote && !kBlockScaledB ? 16 : 1];
    if constexpr (kPromote && kBlockScaledB) {
      sb_block = __ldg(&p.b_scales[(n0 / kScaleTile) * block_scale_stride(p.k) + kb]);
    } else if constexpr (kPromote) {
#pragma unroll
      for (int j = 0; j < 16; ++j) {
        const int col = col_base + 8 * j;  // even, and n is even: the pair is in bounds or out together
        sb_columns[j] = col < p.n ? __ldg(reinterpret_cast<const float2*>(&p.b_scales[kb * p.n + col]))
                                  : make_float2(0.0f, 0.0f);
      }
    }
    wait_parity(&full[s], round & 1);

    const uint8_t* a_tile = tiles_a + s * cfg::kATileBytes + consumer * 64 * cfg::kBlockK;
    const uint8_t* b_tile = tiles_b + s * cfg::kBTileBytes;
#pragma unroll
    for (int i = 0; i < 64; ++i) fence_operand(partial[i]);
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < cfg::kBlockK / cfg::kMmaK; ++kk) {
      // NOTE: within a 128B-swizzled row, advancing the start address by 32 bytes selects the next 32 of K;
      // the swizzle is a function of the address bits, so the descriptor stays valid (as in CUTLASS/DeepGEMM).
      const int accumulate = (kk > 0 || (!kPromote && kb > 0)) ? 1 : 0;
      wgmma_m64n128k32_e4m3(partial, smem_descriptor(a_tile + kk * cfg::kMmaK),
                            smem_descriptor(b_tile + kk * cfg::kMmaK), accumulate);
    }
    wgmma_commit();
    wgmma_wait_all();
#pragma unroll
    for (int i = 0; i < 64; ++i) fence_operand(partial[i]);
    (void)ptx::mbarrier_arrive(&empty[s]);  // the stage's shared memory is no longer read

    if constexpr (kPromote) {
      if constexpr (kBlockScaledB) {
        const float s0 = sa0 * sb_block, s1 = sa1 * sb_block;
#pragma unroll
        for (int j = 0; j < 16; ++j) {
          accum[4 * j + 0] = fmaf(partial[4 * j + 0], s0, accum[4 * j + 0]);
          accum[4 * j + 1] = fmaf(partial[4 * j + 1], s0, accum[4 * j + 1]);
          accum[4 * j + 2] = fmaf(partial[4 * j + 2], s1, accum[4 * j + 2]);
          accum[4 * j + 3] = fmaf(partial[4 * j + 3], s1, accum[4 * j + 3]);
        }
      } else {
#pragma unroll
        for (int j = 0; j < 16; ++j) {
          const float2 sb = sb_columns[j];
          accum[4 * j + 0] = fmaf(partial[4 * j + 0], sa0 * sb.x, accum[4 * j + 0]);
          accum[4 * j + 1] = fmaf(partial[4 * j + 1], sa0 * sb.y, accum[4 * j + 1]);
          accum[4 * j + 2] = fmaf(partial[4 * j + 2], sa1 * sb.x, accum[4 * j + 2]);
          accum[4 * j + 3] = fmaf(partial[4 * j + 3], sa1 * sb.y, accum[4 * j + 3]);
        }
      }
    }
  }

  // Epilogue: straight from registers (coalescing and a TMA store are tuning left for when it can be timed).
  OutT* d = static_cast<OutT*>(p.d);
  const float sa0 = a_scale(row0, 0), sa1 = a_scale(row1, 0);  // used without promotion only
#pragma unroll
  for (int j = 0; j < 16; ++j) {
    const int col = col_base + 8 * j;
    if (col >= p.n) continue;
    float sb0 = 1.0f, sb1 = 1.0f;
    if constexpr (!kPromote) {
      if constexpr (kBlockScaledB) {
        sb0 = sb1 = __ldg(&p.b_scales[(n0 / kScaleTile) * block_scale_stride(p.k)]);
      } else {
        sb0 = __ldg(&p.b_scales[col]);
        sb1 = __ldg(&p.b_scales[col + 1]);
      }
    }
    float v[4];
    if constexpr (kPromote) {
      v[0] = accum[4 * j], v[1] = accum[4 * j + 1], v[2] = accum[4 * j + 2], v[3] = accum[4 * j + 3];
    } else {
      v[0] = partial[4 * j] * (sa0 * sb0), v[1] = partial[4 * j + 1] * (sa0 * sb1);
      v[2] = partial[4 * j + 2] * (sa1 * sb0), v[3] = partial[4 * j + 3] * (sa1 * sb1);
    }
    const int rows[2] = {row0, row1};
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      if (rows[h] >= p.m) continue;
      const size_t at = static_cast<size_t>(rows[h]) * p.n + col;
      if constexpr (sizeof(OutT) == 2) {
        *reinterpret_cast<__nv_bfloat162*>(d + at) = __floats2bfloat162_rn(v[2 * h], v[2 * h + 1]);
      } else {
        *reinterpret_cast<float2*>(d + at) = make_float2(v[2 * h], v[2 * h + 1]);
      }
    }
  }
}

}  // namespace trainsim::kernels::fp8::wgmma_detail
