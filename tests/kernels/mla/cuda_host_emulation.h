// A CPU stand-in for the CUDA built-ins the MLA kernels use, so the same kernel source runs under ctest with
// no GPU: one std::thread per CUDA thread, std::barrier for __syncthreads and __syncwarp, a per-warp exchange
// for shuffles, BF16 rounded to nearest even as the device rounds, shared memory poisoned with NaN. It checks
// indexing, masking, barrier placement and arithmetic on small shapes; not timing, not the memory model.
#pragma once
#define TRAINSIM_HOST_EMULATION 1

#include <algorithm>
#include <array>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "kernels/mla/bf16_host.h"

#define __global__
#define __device__
#define __shared__ static  // one copy for the block's threads; blocks run one after another
#define __launch_bounds__(...)

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct float2 {
  float x, y;
};
inline float2 make_float2(float a, float b) { return {a, b}; }
struct __nv_bfloat16 {
  uint16_t bits;
};
struct __nv_bfloat162 {
  __nv_bfloat16 x, y;
};
inline float __bfloat162float(__nv_bfloat16 b) { return trainsim::kernels::bf16_bits_to_float(b.bits); }
inline __nv_bfloat16 __float2bfloat16(float f) { return {trainsim::kernels::float_to_bf16_bits(f)}; }
inline float2 __bfloat1622float2(__nv_bfloat162 p) { return {__bfloat162float(p.x), __bfloat162float(p.y)}; }
inline float __expf(float x) { return std::exp(x); }
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }
inline int min(int a, int b) { return a < b ? a : b; }

namespace trainsim::emulation {
struct Block {
  std::vector<float> smem;
  std::unique_ptr<std::barrier<>> all;
  std::vector<std::unique_ptr<std::barrier<>>> warps;
  std::vector<std::array<float, 32>> exchange;
};
inline thread_local Block* current = nullptr;
}  // namespace trainsim::emulation

inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

inline void __syncthreads() { trainsim::emulation::current->all->arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) { trainsim::emulation::current->warps[threadIdx.x / 32]->arrive_and_wait(); }
inline float __shfl_xor_sync(unsigned, float v, int lane_mask) {
  auto* b = trainsim::emulation::current;
  const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  b->exchange[warp][lane] = v;
  b->warps[warp]->arrive_and_wait();
  const float other = b->exchange[warp][lane ^ unsigned(lane_mask)];
  b->warps[warp]->arrive_and_wait();
  return other;
}

namespace trainsim::kernels::mla_v1 {
inline float* dynamic_smem() { return trainsim::emulation::current->smem.data(); }
}  // namespace trainsim::kernels::mla_v1

namespace trainsim::emulation {

// Runs kernel(args...) over the grid, one block at a time, each block's threads concurrently: one pool of
// block.x threads per launch walks the blocks, so thread creation stays out of the per-block cost.
template <class Kernel, class... Args>
void launch(dim3 grid, dim3 block, size_t smem_bytes, Kernel kernel, Args... args) {
  if (block.y != 1 || block.z != 1 || block.x % 32 != 0) throw std::invalid_argument("emulation: 1-D whole-warp blocks only");
  gridDim = grid;
  blockDim = block;
  const unsigned threads = block.x, warps = threads / 32;
  const size_t count = size_t(grid.x) * grid.y * grid.z;
  std::vector<Block> blocks(count);
  for (Block& b : blocks) {
    b.all = std::make_unique<std::barrier<>>(threads);
    for (unsigned w = 0; w < warps; ++w) b.warps.push_back(std::make_unique<std::barrier<>>(32));
    b.exchange.resize(warps);
  }
  blocks[0].smem.assign(smem_bytes / sizeof(float) + 1, std::numeric_limits<float>::quiet_NaN());
  // Between blocks, thread 0 hands the next block fresh NaN-poisoned shared memory.
  std::barrier<> between(threads);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (size_t i = 0; i < count; ++i) {
        Block& b = blocks[i];
        current = &b;
        threadIdx = dim3(t);
        blockIdx = dim3(unsigned(i % grid.x), unsigned(i / grid.x % grid.y), unsigned(i / (size_t(grid.x) * grid.y)));
        kernel(args...);
        b.warps[t / 32]->arrive_and_drop();  // a returned thread no longer holds up the others
        b.all->arrive_and_drop();
        between.arrive_and_wait();
        if (t == 0 && i + 1 < count) {
          blocks[i + 1].smem = std::move(b.smem);
          std::fill(blocks[i + 1].smem.begin(), blocks[i + 1].smem.end(), std::numeric_limits<float>::quiet_NaN());
        }
        between.arrive_and_wait();
      }
    });
  for (auto& th : pool) th.join();
}

}  // namespace trainsim::emulation
