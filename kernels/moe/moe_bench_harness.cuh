// Helpers of the MoE benchmark drivers (moe_bench, moe_fp8_bench): the DeepSeek-V3 shapes and loads, device
// fills, event timing (median after warm-up), result rows and DeepGEMM's published grouped figures (docs/sources.md#deepgemm).
// Included by one translation unit per driver (it defines the fill kernels).
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/gpu_timing.cuh"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/permute_ref.h"

namespace trainsim::kernels::moe_harness {

using bf16 = __nv_bfloat16;
inline constexpr int kTokens = 4096, kHidden = 7168, kInter = 2048, kTopK = 8;
inline constexpr int64_t kRoutedRows = 32768;  // 4096 tokens x 8 experts x 64 GPUs / 256 experts
inline constexpr uint64_t kLoadSeed = 2026;    // fixed: the report's loads are reproducible
inline constexpr int kWarmup = 2, kReps = 9;

template <typename T>
T* device_alloc(size_t n) {
  T* p = nullptr;
  TS_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(T)));
  return p;
}

// Uniform(-scale, scale) from a hash of the index: fast fills of hundreds of MB, never zeros-only.
__global__ void fill_bf16_kernel(bf16* out, size_t n, uint64_t seed, float scale) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    out[i] = __float2bfloat16(scale * (static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f));
  }
}
inline void fill_bf16(bf16* p, size_t n, uint64_t seed, float scale) {
  fill_bf16_kernel<<<1024, 256>>>(p, n, seed, scale);
  TS_CUDA_CHECK_LAUNCH();
}

__global__ void fill_fp8_kernel(__nv_fp8_storage_t* out, size_t n, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z ^= z >> 31;
    out[i] = __nv_cvt_float_to_fp8(static_cast<float>(z >> 40) * (8.0f / 16777216.0f) - 4.0f, __NV_SATFINITE, __NV_E4M3);
  }
}

__global__ void fill_ones_kernel(float* out, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) out[i] = 1.0f;
}

// Median time of fn in milliseconds, timed with events around each call after warm-up.
inline double median_ms(const std::function<void()>& fn) { return 1e3 * median_seconds(fn, kWarmup, kReps); }

enum class Kind { kFprop, kSwiglu, kDgrad, kWgrad };
inline const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kFprop: return "fprop";
    case Kind::kSwiglu: return "fprop+swiglu";
    case Kind::kDgrad: return "dgrad";
    case Kind::kWgrad: return "wgrad";
  }
  return "";
}

// How our output agrees with the peer's on the same inputs: ||ours - peer|| / ||peer|| and how many elements
// are bitwise equal. A comparison tests something only when every value on both sides is finite and the peer's
// output is not all zero; otherwise it is reported as invalid, never as a zero difference.
struct Agreement {
  double diff_sq = 0, peer_sq = 0;
  size_t elements = 0, bitwise_equal = 0, non_finite = 0;
  void add(const Agreement& other) {
    diff_sq += other.diff_sq, peer_sq += other.peer_sq;
    elements += other.elements, bitwise_equal += other.bitwise_equal, non_finite += other.non_finite;
  }
  bool valid() const { return elements > 0 && non_finite == 0 && peer_sq > 0; }
  double relative_l2() const { return valid() ? std::sqrt(diff_sq / peer_sq) : NAN; }
};

// The agreement of two device outputs (BF16 or FP32) of n elements, read back to the host.
template <typename T>
inline Agreement agreement(const T* ours, const T* peer, size_t n) {
  std::vector<T> hx(n), hy(n);
  TS_CUDA_CHECK(cudaMemcpy(hx.data(), ours, n * sizeof(T), cudaMemcpyDeviceToHost));
  TS_CUDA_CHECK(cudaMemcpy(hy.data(), peer, n * sizeof(T), cudaMemcpyDeviceToHost));
  Agreement m;
  m.elements = n;
  for (size_t i = 0; i < n; ++i) {
    double a, b;
    if constexpr (std::is_same_v<T, bf16>) a = __bfloat162float(hx[i]), b = __bfloat162float(hy[i]);
    else a = hx[i], b = hy[i];
    if (!std::isfinite(a) || !std::isfinite(b)) {
      ++m.non_finite;
      continue;
    }
    if (std::memcmp(&hx[i], &hy[i], sizeof(T)) == 0) ++m.bitwise_equal;
    m.diff_sq += (a - b) * (a - b), m.peer_sq += b * b;
  }
  return m;
}

struct Output {
  FILE* csv;
  FILE* md;
  std::vector<double> ratios;
  std::vector<Agreement> agreements;  // one per GEMM compared with its peer
};

// DeepGEMM's published grouped contiguous figures (FP8, H800, 4 groups x 8192 rows; docs/sources.md#deepgemm).
inline double deepgemm_grouped_tflops(int experts, double v, Kind kind, int n, int k) {
  if (experts != 4 || v != 0 || kind != Kind::kFprop) return 0;
  if (n == 4096 && k == 7168) return 1346;
  if (n == 7168 && k == 2048) return 1214;
  return 0;
}

// Each expert's rows padded to the row tile (permute_ref.h), as offsets[experts + 1].
inline std::vector<int> padded_offsets(const std::vector<int64_t>& loads) {
  std::vector<int> offsets{0};
  for (int64_t l : loads)
    offsets.push_back(offsets.back() + static_cast<int>((l + kExpertRowAlign - 1) / kExpertRowAlign * kExpertRowAlign));
  return offsets;
}

}  // namespace trainsim::kernels::moe_harness
