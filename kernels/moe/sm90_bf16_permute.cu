// Device permutation, simplest correct version. Planning is deterministic (rows within an expert in ascending
// slot order, as permute_ref.cc): a warp ranks its 32 slots with __match_any_sync, per-chunk counts are
// scanned per expert (held expert-major), then each slot gets offset + earlier chunks + its rank in the warp.
#include <cub/block/block_scan.cuh>

#include <stdexcept>

#include "kernels/common/cuda_check.cuh"
#include "kernels/moe/sm90_bf16_permute.h"

namespace trainsim::kernels {

namespace {
constexpr int kThreads = 256;
constexpr int kVector = 8;  // bf16 values per 16-byte access
constexpr int kMaxLayoutExperts = 1024;  // one block scans the experts' offsets

// Pass 1: per warp-chunk, per expert, how many of its slots go to that expert.
__global__ void count_chunks_kernel(const int* __restrict__ ids, DeviceExpertLayout layout, int chunks) {
  const int slots = layout.tokens * layout.top_k;
  const int slot = blockIdx.x * blockDim.x + threadIdx.x;
  const int chunk = slot / 32;
  if (chunk * 32 >= slots) return;  // whole warp out of range (warps are uniform here)
  const int id = slot < slots ? ids[slot] : -1;
  const bool local = id >= 0 && id < layout.num_experts;
  const unsigned same = __match_any_sync(0xffffffffu, local ? id : -1);
  const unsigned lane = threadIdx.x % 32;
  if (local && (__ffs(same) - 1) == static_cast<int>(lane))
    layout.chunk_counts[static_cast<size_t>(id) * chunks + chunk] = __popc(same);
}

// Pass 2, one block per expert: exclusive scan of its chunk counts (in place), and its row count.
__global__ void scan_chunks_kernel(DeviceExpertLayout layout, int chunks) {
  using Scan = cub::BlockScan<int, kThreads>;
  __shared__ typename Scan::TempStorage storage;
  const int e = blockIdx.x;
  int* column = layout.chunk_counts + static_cast<size_t>(e) * chunks;
  int running = 0;
  for (int base = 0; base < chunks; base += kThreads) {
    const int c = base + threadIdx.x;
    const int here = c < chunks ? column[c] : 0;
    int before = 0, tile_total = 0;
    Scan(storage).ExclusiveSum(here, before, tile_total);
    if (c < chunks) column[c] = running + before;
    running += tile_total;
    __syncthreads();  // storage is reused by the next tile
  }
  if (threadIdx.x == 0) layout.counts[e] = running;
}

// Pass 3, one block: padded offsets by a block scan over experts (at most kMaxLayoutExperts).
__global__ void offsets_kernel(DeviceExpertLayout layout) {
  using Scan = cub::BlockScan<int, kMaxLayoutExperts>;
  __shared__ typename Scan::TempStorage storage;
  const int e = threadIdx.x;
  const int padded = e < layout.num_experts
                         ? (layout.counts[e] + layout.align_rows - 1) / layout.align_rows * layout.align_rows
                         : 0;
  int offset = 0, total = 0;
  Scan(storage).ExclusiveSum(padded, offset, total);
  if (e < layout.num_experts) layout.offsets[e] = offset;
  if (e == 0) layout.offsets[layout.num_experts] = total;
}

// Pass 4: each slot's row.
__global__ void place_slots_kernel(const int* __restrict__ ids, DeviceExpertLayout layout, int chunks) {
  const int slots = layout.tokens * layout.top_k;
  const int slot = blockIdx.x * blockDim.x + threadIdx.x;
  const int chunk = slot / 32;
  if (chunk * 32 >= slots) return;
  const int id = slot < slots ? ids[slot] : -1;
  const bool local = id >= 0 && id < layout.num_experts;
  const unsigned same = __match_any_sync(0xffffffffu, local ? id : -1);
  const unsigned lane = threadIdx.x % 32;
  if (slot >= slots) return;
  if (!local) {
    layout.row_of[slot] = -1;
    return;
  }
  const int rank = __popc(same & ((1u << lane) - 1u));
  const int row = layout.offsets[id] + layout.chunk_counts[static_cast<size_t>(id) * chunks + chunk] + rank;
  layout.row_of[slot] = row;
  layout.slot_of[row] = slot;
}

// One block per row (grid-stride), 16-byte copies; rows past offsets[num_experts] are not touched.
__global__ void permute_kernel(DeviceExpertLayout layout, const uint4* __restrict__ x, int vectors_per_row,
                               uint4* __restrict__ out, int max_rows) {
  const int total_rows = layout.offsets[layout.num_experts];
  for (int row = blockIdx.x; row < total_rows && row < max_rows; row += gridDim.x) {
    const int slot = layout.slot_of[row];
    uint4* dst = out + static_cast<size_t>(row) * vectors_per_row;
    if (slot < 0) {
      for (int v = threadIdx.x; v < vectors_per_row; v += blockDim.x) dst[v] = make_uint4(0, 0, 0, 0);
    } else {
      const uint4* src = x + static_cast<size_t>(slot / layout.top_k) * vectors_per_row;
      for (int v = threadIdx.x; v < vectors_per_row; v += blockDim.x) dst[v] = src[v];
    }
  }
}

__global__ void unpermute_kernel(DeviceExpertLayout layout, const uint4* __restrict__ y, int vectors_per_row,
                                 uint4* __restrict__ out) {
  const int slots = layout.tokens * layout.top_k;
  for (int slot = blockIdx.x; slot < slots; slot += gridDim.x) {
    const int row = layout.row_of[slot];
    uint4* dst = out + static_cast<size_t>(slot) * vectors_per_row;
    for (int v = threadIdx.x; v < vectors_per_row; v += blockDim.x)
      dst[v] = row < 0 ? make_uint4(0, 0, 0, 0) : y[static_cast<size_t>(row) * vectors_per_row + v];
  }
}

// One block per token; each thread owns 8 consecutive channels and sums the token's top_k rows in FP32.
__global__ void combine_kernel(DeviceExpertLayout layout, const uint4* __restrict__ y, const float* __restrict__ gates,
                               int vectors_per_row, float* __restrict__ out) {
  for (int token = blockIdx.x; token < layout.tokens; token += gridDim.x) {
    for (int v = threadIdx.x; v < vectors_per_row; v += blockDim.x) {
      float sum[kVector] = {};
      for (int k = 0; k < layout.top_k; ++k) {
        const int slot = token * layout.top_k + k;
        const int row = layout.row_of[slot];
        if (row < 0) continue;
        const float gate = gates[slot];
        const uint4 packed = y[static_cast<size_t>(row) * vectors_per_row + v];
        const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&packed);
#pragma unroll
        for (int i = 0; i < kVector / 2; ++i) {
          const float2 f = __bfloat1622float2(pairs[i]);
          sum[2 * i] += gate * f.x;
          sum[2 * i + 1] += gate * f.y;
        }
      }
      float4* dst = reinterpret_cast<float4*>(out + (static_cast<size_t>(token) * vectors_per_row + v) * kVector);
      dst[0] = make_float4(sum[0], sum[1], sum[2], sum[3]);
      dst[1] = make_float4(sum[4], sum[5], sum[6], sum[7]);
    }
  }
}

int grid_for(long long items) { return static_cast<int>(items < 65535 * 8 ? (items > 0 ? items : 1) : 65535 * 8); }

void require_hidden(int hidden) {
  if (hidden <= 0 || hidden % kVector != 0) throw std::invalid_argument("permute: hidden must be a positive multiple of 8");
}
}  // namespace

void launch_sm90_plan_layout(const int* expert_ids, const DeviceExpertLayout& layout, cudaStream_t stream) {
  if (layout.num_experts < 1 || layout.num_experts > kMaxLayoutExperts || layout.top_k < 1 || layout.align_rows < 1 ||
      layout.tokens < 0)
    throw std::invalid_argument("plan_layout: need 1..1024 experts, top_k >= 1, align_rows >= 1");
  const int chunks = layout_chunks(layout.tokens, layout.top_k);
  const int rows = max_layout_rows(layout.tokens, layout.top_k, layout.num_experts, layout.align_rows);
  TS_CUDA_CHECK(cudaMemsetAsync(layout.chunk_counts, 0, sizeof(int) * static_cast<size_t>(chunks) * layout.num_experts, stream));
  TS_CUDA_CHECK(cudaMemsetAsync(layout.slot_of, 0xff, sizeof(int) * static_cast<size_t>(rows), stream));
  const int blocks = (chunks * 32 + kThreads - 1) / kThreads;
  if (chunks > 0) count_chunks_kernel<<<blocks, kThreads, 0, stream>>>(expert_ids, layout, chunks);
  TS_CUDA_CHECK_LAUNCH();
  scan_chunks_kernel<<<layout.num_experts, kThreads, 0, stream>>>(layout, chunks);
  TS_CUDA_CHECK_LAUNCH();
  offsets_kernel<<<1, kMaxLayoutExperts, 0, stream>>>(layout);
  TS_CUDA_CHECK_LAUNCH();
  if (chunks > 0) place_slots_kernel<<<blocks, kThreads, 0, stream>>>(expert_ids, layout, chunks);
  TS_CUDA_CHECK_LAUNCH();
}

void launch_sm90_bf16_permute(const DeviceExpertLayout& layout, const __nv_bfloat16* x, int hidden,
                              __nv_bfloat16* out, cudaStream_t stream) {
  require_hidden(hidden);
  const int rows = max_layout_rows(layout.tokens, layout.top_k, layout.num_experts, layout.align_rows);
  permute_kernel<<<grid_for(rows), kThreads, 0, stream>>>(layout, reinterpret_cast<const uint4*>(x),
                                                          hidden / kVector, reinterpret_cast<uint4*>(out), rows);
  TS_CUDA_CHECK_LAUNCH();
}

void launch_sm90_bf16_unpermute(const DeviceExpertLayout& layout, const __nv_bfloat16* y, int hidden,
                                __nv_bfloat16* out, cudaStream_t stream) {
  require_hidden(hidden);
  unpermute_kernel<<<grid_for(static_cast<long long>(layout.tokens) * layout.top_k), kThreads, 0, stream>>>(
      layout, reinterpret_cast<const uint4*>(y), hidden / kVector, reinterpret_cast<uint4*>(out));
  TS_CUDA_CHECK_LAUNCH();
}

void launch_sm90_bf16_combine(const DeviceExpertLayout& layout, const __nv_bfloat16* y, const float* gates,
                              int hidden, float* out, cudaStream_t stream) {
  require_hidden(hidden);
  combine_kernel<<<grid_for(layout.tokens), kThreads, 0, stream>>>(layout, reinterpret_cast<const uint4*>(y), gates,
                                                                   hidden / kVector, out);
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels
