// The block-scaled FP8 GEMM D[m,n] = sum_k A[m,k] B[n,k] * sa * sb on Hopper: the problem, the variants and
// the launcher (public: MoE's grouped GEMM and the reduced model call it). Shapes of each training GEMM are in
// training_gemm.h; scale layouts in fp8_scaling.h; CPU reference in gemm_ref.h.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string_view>

#include "kernels/fp8/fp8_scaling.h"
#include "kernels/fp8/training_gemm.h"

namespace trainsim::kernels::fp8 {

enum class GemmVariant {
  kSimt,               // CUDA cores: FP8 decoded to FP32, FP32 FMA, scales applied every 128 of K. Slow, simple.
  kWgmma,              // WGMMA + TMA + mbarrier pipeline, promotion to FP32 every 128 of K (DeepSeek-V3)
  kWgmmaNoPromotion,   // the same, the whole K in the tensor-core accumulator (accuracy experiment only)
};
std::string_view to_string(GemmVariant variant);

struct Fp8GemmArgs {
  int m = 0;
  int n = 0;
  int k = 0;
  const uint8_t* a = nullptr;        // m x k E4M3, row-major (K-major)
  const float* a_scales = nullptr;   // per row and 128 of K (kRow1x128 layout)
  const uint8_t* b = nullptr;        // n x k E4M3, row-major (K-major)
  const float* b_scales = nullptr;   // b_tiling layout
  ScaleTiling b_tiling = ScaleTiling::kBlock128x128;  // kBlock128x128 (Fprop, Dgrad) or kRow1x128 (Wgrad)
  void* d = nullptr;                 // m x n, row-major
  OutputType d_type = OutputType::kBF16;
};

// Throws std::invalid_argument (with what to change) when the variant cannot run the problem:
// k % 16 == 0 (TMA rows of 16 bytes) and n % 8 == 0 (aligned output pairs); kWgmmaNoPromotion needs scales
// constant along K (kRowWhole quantization), which it does not check.
void validate(const Fp8GemmArgs& args, GemmVariant variant);

// Launches on `stream`; asynchronous. Launch errors throw; execution errors surface at the next sync.
void sm90_fp8_gemm(const Fp8GemmArgs& args, GemmVariant variant, cudaStream_t stream);

namespace detail {  // one per variant, in its own translation unit
void launch_simt_gemm(const Fp8GemmArgs& args, cudaStream_t stream);
void launch_wgmma_gemm(const Fp8GemmArgs& args, bool promote, cudaStream_t stream);
}  // namespace detail

}  // namespace trainsim::kernels::fp8
