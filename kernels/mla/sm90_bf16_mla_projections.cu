// MLA projections on the GPU, version 1: cuBLASLt BF16 GEMMs (the FP8 GEMM replaces them when kernels/fp8
// lands), one block per row for RMSNorm, one block per token for RoPE and the q/k/v assembly.
#include <cuda_bf16.h>

#include <cmath>
#include <map>
#include <stdexcept>

#include "kernels/common/cuda_check.cuh"
#include "kernels/mla/sm90_bf16_mla_projections.cuh"
#include "kernels/mla/sm90_bf16_mla_small_kernels.cuh"

namespace trainsim::kernels {
namespace {

constexpr size_t kCublasWorkspaceBytes = 32u << 20;  // cuBLASLt's recommendation for Hopper is 32 MiB

// Row-major y [m][n] = x [m][k] W^T is column-major y^T = W x^T: A = W (k x n, transposed), B = x (k x m).
class CublasLtBf16Linear final : public MlaLinear {
 public:
  CublasLtBf16Linear(const __nv_bfloat16* w, int n_out, int k_in) : w_(w) {
    n = n_out;
    k = k_in;
    TS_CUBLAS_CHECK(cublasLtCreate(&handle_));
    TS_CUDA_CHECK(cudaMalloc(&workspace_, kCublasWorkspaceBytes));
    TS_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof trans_a));
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof trans_b));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a_, CUDA_R_16BF, k, n, k));
  }
  ~CublasLtBf16Linear() override {
    for (auto& [m, plan] : plans_) {
      cublasLtMatrixLayoutDestroy(plan.b);
      cublasLtMatrixLayoutDestroy(plan.c);
    }
    cublasLtMatrixLayoutDestroy(a_);
    cublasLtMatmulDescDestroy(desc_);
    cudaFree(workspace_);
    cublasLtDestroy(handle_);
  }
  CublasLtBf16Linear(const CublasLtBf16Linear&) = delete;
  CublasLtBf16Linear& operator=(const CublasLtBf16Linear&) = delete;

  std::string name() const override { return "cublaslt-bf16"; }

  void forward(const __nv_bfloat16* x, __nv_bfloat16* y, int m, cudaStream_t stream) override {
    const Plan& p = plan(m);
    const float alpha = 1.f, beta = 0.f;
    TS_CUBLAS_CHECK(cublasLtMatmul(handle_, desc_, &alpha, w_, a_, x, p.b, &beta, y, p.c, y, p.c, &p.algo, workspace_,
                                   kCublasWorkspaceBytes, stream));
  }

 private:
  struct Plan {
    cublasLtMatrixLayout_t b = nullptr, c = nullptr;
    cublasLtMatmulAlgo_t algo{};
  };
  const Plan& plan(int m) {  // layouts and the heuristic's first algorithm, once per m
    auto it = plans_.find(m);
    if (it != plans_.end()) return it->second;
    Plan p;
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.b, CUDA_R_16BF, k, m, k));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.c, CUDA_R_16BF, n, m, n));
    cublasLtMatmulPreference_t pref;
    TS_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    const size_t ws = kCublasWorkspaceBytes;
    TS_CUBLAS_CHECK(
        cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    TS_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(handle_, desc_, a_, p.b, p.c, p.c, pref, 1, &result, &found));
    cublasLtMatmulPreferenceDestroy(pref);
    if (found == 0)
      throw std::runtime_error("cuBLASLt found no BF16 algorithm for m=" + std::to_string(m) +
                               " n=" + std::to_string(n) + " k=" + std::to_string(k));
    p.algo = result.algo;
    return plans_.emplace(m, p).first->second;
  }

  const __nv_bfloat16* w_;
  cublasLtHandle_t handle_ = nullptr;
  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr;
  void* workspace_ = nullptr;
  std::map<int, Plan> plans_;
};

}  // namespace

using namespace mla_v1;

std::unique_ptr<MlaLinear> make_cublaslt_bf16_linear(const __nv_bfloat16* w, int n, int k) {
  return std::make_unique<CublasLtBf16Linear>(w, n, k);
}

void mla_rmsnorm(const __nv_bfloat16* x, int rows, int dim, int stride, const __nv_bfloat16* gamma, float eps,
                 __nv_bfloat16* y, cudaStream_t stream) {
  if (dim < 1 || stride < dim) throw std::invalid_argument("mla_rmsnorm: need 1 <= dim <= stride");
  if (rows == 0) return;
  rmsnorm_kernel<<<rows, kNormThreads, 0, stream>>>(x, dim, stride, gamma, eps, y);
  TS_CUDA_CHECK_LAUNCH();
}

void mla_rope_assemble(const MlaDims& d, int tokens, const int* positions, __nv_bfloat16* q, const __nv_bfloat16* kv_up,
                       const __nv_bfloat16* kv_down, __nv_bfloat16* k, __nv_bfloat16* v, cudaStream_t stream) {
  if (d.qk_rope % 2 != 0 || d.qk_rope > kMaxRopeDim)
    throw std::invalid_argument("mla_rope_assemble: qk_rope must be even and at most " + std::to_string(kMaxRopeDim));
  if (tokens == 0) return;
  const RopeArgs a{d.heads, d.qk_nope, d.qk_rope, d.v_dim, d.kv_lora, d.rope_theta};
  rope_assemble_kernel<<<tokens, kRopeThreads, 0, stream>>>(a, positions, q, kv_up, kv_down, k, v);
  TS_CUDA_CHECK_LAUNCH();
}

void mla_qkv_forward(const MlaDims& d, const MlaProjectionLayers& l, const __nv_bfloat16* x, int tokens,
                     const int* positions, const MlaProjectionBuffers& b, cudaStream_t stream) {
  l.q_down->forward(x, b.q_down, tokens, stream);
  mla_rmsnorm(b.q_down, tokens, d.q_lora, d.q_lora, l.gamma_q, float(d.rms_eps), b.c_q, stream);
  l.q_up->forward(b.c_q, b.q, tokens, stream);
  l.kv_down->forward(x, b.kv_down, tokens, stream);
  mla_rmsnorm(b.kv_down, tokens, d.kv_lora, d.kv_down_dim(), l.gamma_kv, float(d.rms_eps), b.c_kv, stream);
  l.kv_up->forward(b.c_kv, b.kv_up, tokens, stream);
  mla_rope_assemble(d, tokens, positions, b.q, b.kv_up, b.kv_down, b.k, b.v, stream);
}

}  // namespace trainsim::kernels
