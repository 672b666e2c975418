// A CPU stand-in for the CUDA built-ins the MLA kernels use, so the same kernel source runs under ctest with
// no GPU: one std::thread per CUDA thread, std::barrier for __syncthreads and __syncwarp, a per-warp exchange
// for shuffles, BF16 rounded to nearest even as the device rounds, shared memory poisoned with NaN. It checks
// indexing, masking, barrier placement and arithmetic on small shapes; not timing, not the memory model.
#pragma once
#define TRAINSIM_HOST_EMULATION 1

#include <algorithm>
#include <array>
#include <barrier>
#include <bit>
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
// IEEE FP32 operations rounded to nearest, as the device's _rn intrinsics (the host's float arithmetic is IEEE).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }

namespace trainsim::emulation {
struct Block {
  std::vector<float> smem;
  std::unique_ptr<std::barrier<>> all;
  std::vector<std::unique_ptr<std::barrier<>>> warps;
  std::vector<std::array<float, 32>> exchange;
  std::vector<std::array<uint32_t, 32 * 6>> mma;  // per warp: each lane's A (4) and B (2) fragment registers
};
inline thread_local Block* current = nullptr;
}  // namespace trainsim::emulation

inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

inline void __syncthreads() { trainsim::emulation::current->all->arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) {
  trainsim::emulation::current->warps[threadIdx.x / 32]->arrive_and_wait();
}
inline float __shfl_xor_sync(unsigned, float v, int lane_mask) {
  auto* b = trainsim::emulation::current;
  const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  b->exchange[warp][lane] = v;
  b->warps[warp]->arrive_and_wait();
  const float other = b->exchange[warp][lane ^ unsigned(lane_mask)];
  b->warps[warp]->arrive_and_wait();
  return other;
}

struct uint4 {
  unsigned x, y, z, w;
};

namespace trainsim::kernels::mla_device {
inline float* dynamic_smem() { return trainsim::emulation::current->smem.data(); }
inline uint32_t bf16_bits(__nv_bfloat16 x) { return x.bits; }
inline uint32_t pack_bf16x2(float lo, float hi) {
  return uint32_t(float_to_bf16_bits(lo)) | (uint32_t(float_to_bf16_bits(hi)) << 16);
}

// mma.sync.m16n8k16 BF16 -> FP32 on the gathered fragments of the 32 lanes (PTX ISA fragment layouts):
// groupID = lane / 4, t = lane % 4; A: a0 (g, 2t..2t+1), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..);
// B: b0 (k 2t..2t+1, n g), b1 (k 2t+8.., n g); C: c0 c1 (g, 2t..2t+1), c2 c3 (g+8, 2t..2t+1).
inline void mma_bf16_16816(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  auto* blk = trainsim::emulation::current;
  const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  auto& slot = blk->mma[warp];
  for (int i = 0; i < 4; ++i) slot[lane * 6 + i] = a[i];
  for (int i = 0; i < 2; ++i) slot[lane * 6 + 4 + i] = b[i];
  blk->warps[warp]->arrive_and_wait();
  auto lo = [](uint32_t w) { return bf16_bits_to_float(uint16_t(w & 0xffffu)); };
  auto hi = [](uint32_t w) { return bf16_bits_to_float(uint16_t(w >> 16)); };
  float A[16][16], B[16][8];
  for (unsigned l = 0; l < 32; ++l) {
    const unsigned g = l / 4, t = l % 4;
    const uint32_t* f = &slot[l * 6];
    const unsigned rows[4] = {g, g + 8, g, g + 8}, cols[4] = {2 * t, 2 * t, 2 * t + 8, 2 * t + 8};
    for (int i = 0; i < 4; ++i) {
      A[rows[i]][cols[i]] = lo(f[i]);
      A[rows[i]][cols[i] + 1] = hi(f[i]);
    }
    B[2 * t][g] = lo(f[4]);
    B[2 * t + 1][g] = hi(f[4]);
    B[2 * t + 8][g] = lo(f[5]);
    B[2 * t + 9][g] = hi(f[5]);
  }
  blk->warps[warp]->arrive_and_wait();
  const unsigned g = lane / 4, t = lane % 4;
  const unsigned out_rows[4] = {g, g, g + 8, g + 8}, out_cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
  for (int i = 0; i < 4; ++i) {
    float acc = d[i];
    for (int kk = 0; kk < 16; ++kk) acc += A[out_rows[i]][kk] * B[kk][out_cols[i]];
    d[i] = acc;
  }
}
}  // namespace trainsim::kernels::mla_device

namespace trainsim::emulation {

// All-ones bits: NaN read as one float or as either BF16 half.
inline const float kPoison = std::bit_cast<float>(0xffffffffu);

// Runs kernel(args...) over the grid, one block at a time, each block's threads concurrently: one pool of
// block.x threads per launch walks the blocks, so thread creation stays out of the per-block cost.
template <class Kernel, class... Args>
void launch(dim3 grid, dim3 block, size_t smem_bytes, Kernel kernel, Args... args) {
  if (block.y != 1 || block.z != 1 || block.x % 32 != 0)
    throw std::invalid_argument("emulation: 1-D whole-warp blocks only");
  gridDim = grid;
  blockDim = block;
  const unsigned threads = block.x, warps = threads / 32;
  const size_t count = size_t(grid.x) * grid.y * grid.z;
  std::vector<Block> blocks(count);
  for (Block& b : blocks) {
    b.all = std::make_unique<std::barrier<>>(threads);
    for (unsigned w = 0; w < warps; ++w) b.warps.push_back(std::make_unique<std::barrier<>>(32));
    b.exchange.resize(warps);
    b.mma.resize(warps);
  }
  blocks[0].smem.assign(smem_bytes / sizeof(float) + 1, kPoison);
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
          std::fill(blocks[i + 1].smem.begin(), blocks[i + 1].smem.end(), kPoison);
        }
        between.arrive_and_wait();
      }
    });
  for (auto& th : pool) th.join();
}

}  // namespace trainsim::emulation
