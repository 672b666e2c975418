// The cuBLASLt peer of sm90_fp8_gemm on the same operands: block-scaled FP8 (A_SCALE_MODE / B_SCALE_MODE =
// VEC128_32F and BLK128x128_32F, cuBLAS 12.9+); where this GPU or cuBLASLt refuses them, the refusal is kept
// and the plan falls back to FP8 with per-tensor scales (labelled as such in every output).
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "kernels/fp8/sm90_fp8_gemm.h"

namespace trainsim::kernels::fp8 {

enum class CublasLtScaling { kBlockwise, kPerTensor };

class CublasLtFp8Gemm {
 public:
  CublasLtFp8Gemm();
  ~CublasLtFp8Gemm();
  CublasLtFp8Gemm(const CublasLtFp8Gemm&) = delete;
  CublasLtFp8Gemm& operator=(const CublasLtFp8Gemm&) = delete;

  struct Plan {
    CublasLtScaling scaling = CublasLtScaling::kBlockwise;
    std::string refusal;  // why block scaling was refused, empty when it was not
    std::string label() const;
    Fp8GemmArgs args;
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t layout_a = nullptr, layout_b = nullptr, layout_d = nullptr;
    cublasLtMatmulAlgo_t algo{};
  };

  // Chooses an algorithm for `args` (block-scaled if possible). With per-tensor scaling, the scales used are
  // `unit_scale_` (1.0): the codes are multiplied as they are.
  Plan plan(const Fp8GemmArgs& args, bool allow_blockwise = true);
  void run(const Plan& plan, cudaStream_t stream);
  void release(Plan& plan);

 private:
  bool try_plan(Plan& plan, CublasLtScaling scaling, std::string* error);
  cublasLtHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 64u << 20;
  float* unit_scale_ = nullptr;  // device float 1.0 for per-tensor scaling
};

}  // namespace trainsim::kernels::fp8
