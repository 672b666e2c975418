// cuBLASLt FP8 matmul on sm90_fp8_gemm's operands. cuBLAS is column-major: our row-major D (m x n) is the
// column-major n x m matrix B A^T, so cuBLAS's A is our B (transposed, "TN") and its B is our A.
#include "kernels/fp8/cublaslt_fp8_gemm.h"

#include <stdexcept>

#include "kernels/common/cuda_check.cuh"

namespace trainsim::kernels::fp8 {

namespace {
std::string status_text(cublasStatus_t status) {
  return std::string(cublasLtGetStatusName(status)) + " (" + cublasLtGetStatusString(status) + ")";
}
}  // namespace

std::string CublasLtFp8Gemm::Plan::label() const {
  if (scaling == CublasLtScaling::kBlockwise) return "cuBLASLt FP8 block-scaled";
  return "cuBLASLt FP8 per-tensor scales (block scaling refused: " + refusal + ")";
}

CublasLtFp8Gemm::CublasLtFp8Gemm() {
  TS_CUBLAS_CHECK(cublasLtCreate(&handle_));
  TS_CUDA_CHECK(cudaMalloc(&workspace_, workspace_bytes_));
  TS_CUDA_CHECK(cudaMalloc(&unit_scale_, sizeof(float)));
  const float one = 1.0f;
  TS_CUDA_CHECK(cudaMemcpy(unit_scale_, &one, sizeof(float), cudaMemcpyHostToDevice));
}

CublasLtFp8Gemm::~CublasLtFp8Gemm() {
  cudaFree(unit_scale_);
  cudaFree(workspace_);
  cublasLtDestroy(handle_);
}

bool CublasLtFp8Gemm::try_plan(Plan& p, CublasLtScaling scaling, std::string* error) {
  const Fp8GemmArgs& a = p.args;
  auto fail = [&](const char* what, cublasStatus_t status) {
    *error = std::string(what) + ": " + status_text(status);
    release(p);
    return false;
  };
  p.scaling = scaling;
  cublasStatus_t st = cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
  if (st != CUBLAS_STATUS_SUCCESS) return fail("cublasLtMatmulDescCreate", st);
  const cublasOperation_t trans = CUBLAS_OP_T, no_trans = CUBLAS_OP_N;
  cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans, sizeof(trans));
  cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &no_trans, sizeof(no_trans));
  const void* scale_a = unit_scale_;  // cuBLAS's A is our B
  const void* scale_b = unit_scale_;
  if (scaling == CublasLtScaling::kBlockwise) {
    const int32_t mode_a = a.b_tiling == ScaleTiling::kBlock128x128 ? CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F
                                                                    : CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
    const int32_t mode_b = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
    st = cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &mode_a, sizeof(mode_a));
    if (st != CUBLAS_STATUS_SUCCESS) return fail("A_SCALE_MODE", st);
    st = cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &mode_b, sizeof(mode_b));
    if (st != CUBLAS_STATUS_SUCCESS) return fail("B_SCALE_MODE", st);
    scale_a = a.b_scales;
    scale_b = a.a_scales;
  }
  cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &scale_a, sizeof(scale_a));
  cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &scale_b, sizeof(scale_b));
  const cudaDataType_t d_type = a.d_type == OutputType::kBF16 ? CUDA_R_16BF : CUDA_R_32F;
  if ((st = cublasLtMatrixLayoutCreate(&p.layout_a, CUDA_R_8F_E4M3, a.k, a.n, a.k)) != CUBLAS_STATUS_SUCCESS)
    return fail("layout A", st);
  if ((st = cublasLtMatrixLayoutCreate(&p.layout_b, CUDA_R_8F_E4M3, a.k, a.m, a.k)) != CUBLAS_STATUS_SUCCESS)
    return fail("layout B", st);
  if ((st = cublasLtMatrixLayoutCreate(&p.layout_d, d_type, a.n, a.m, a.n)) != CUBLAS_STATUS_SUCCESS)
    return fail("layout D", st);

  cublasLtMatmulPreference_t pref = nullptr;
  cublasLtMatmulPreferenceCreate(&pref);
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes_,
                                       sizeof(workspace_bytes_));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  st = cublasLtMatmulAlgoGetHeuristic(handle_, p.desc, p.layout_a, p.layout_b, p.layout_d, p.layout_d, pref, 1,
                                      &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (st != CUBLAS_STATUS_SUCCESS) return fail("cublasLtMatmulAlgoGetHeuristic", st);
  if (found == 0) return fail("cublasLtMatmulAlgoGetHeuristic found no algorithm", CUBLAS_STATUS_NOT_SUPPORTED);
  p.algo = result.algo;
  return true;
}

CublasLtFp8Gemm::Plan CublasLtFp8Gemm::plan(const Fp8GemmArgs& args, bool allow_blockwise) {
  Plan p;
  p.args = args;
  std::string error;
  if (allow_blockwise && try_plan(p, CublasLtScaling::kBlockwise, &error)) return p;
  p.refusal = allow_blockwise ? error : "not requested";
  std::string fallback_error;
  if (try_plan(p, CublasLtScaling::kPerTensor, &fallback_error)) return p;
  throw std::runtime_error("cuBLASLt refused FP8 with block scales (" + p.refusal + ") and with per-tensor scales (" +
                           fallback_error + ")");
}

void CublasLtFp8Gemm::run(const Plan& p, cudaStream_t stream) {
  const float alpha = 1.0f, beta = 0.0f;
  TS_CUBLAS_CHECK(cublasLtMatmul(handle_, p.desc, &alpha, p.args.b, p.layout_a, p.args.a, p.layout_b, &beta, p.args.d,
                                 p.layout_d, p.args.d, p.layout_d, &p.algo, workspace_, workspace_bytes_, stream));
}

void CublasLtFp8Gemm::release(Plan& p) {
  if (p.layout_a) cublasLtMatrixLayoutDestroy(p.layout_a);
  if (p.layout_b) cublasLtMatrixLayoutDestroy(p.layout_b);
  if (p.layout_d) cublasLtMatrixLayoutDestroy(p.layout_d);
  if (p.desc) cublasLtMatmulDescDestroy(p.desc);
  p.layout_a = p.layout_b = p.layout_d = nullptr;
  p.desc = nullptr;
}

}  // namespace trainsim::kernels::fp8
