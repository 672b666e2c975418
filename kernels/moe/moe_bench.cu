// Benchmark of the MoE kernels on DeepSeek-V3 training's share of one GPU: grouped GEMMs (4 local experts
// under EP 64, and 32, over 32,768 routed rows = 4096 tokens x 8 experts x 64 GPUs / 256 experts) at MaxVio 0,
// 0.5 and 2, beside a cuBLASLt loop of per-expert GEMMs (cuBLASLt 13.0 has no grouped API) on the same
// buffers; router and permute time per token. Writes a CSV, a Markdown table and the loads it used (for the
// PyTorch peer script). Usage: moe_bench OUT.csv OUT.md OUT-loads.txt
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_info.cuh"
#include "kernels/common/random_fill.h"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/router_ref.h"
#include "kernels/moe/sm90_bf16_grouped_gemm.cuh"
#include "kernels/moe/sm90_bf16_permute.cuh"
#include "kernels/moe/sm90_fp32_router.cuh"

namespace trainsim::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kTokens = 4096, kHidden = 7168, kInter = 2048, kTopK = 8;
constexpr int64_t kRoutedRows = 32768;  // 4096 tokens x 8 experts x 64 GPUs / 256 experts
constexpr uint64_t kLoadSeed = 2026;    // fixed: the report's loads are reproducible
constexpr int kWarmup = 2, kReps = 9;

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
void fill_bf16(bf16* p, size_t n, uint64_t seed, float scale) {
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
double median_ms(const std::function<void()>& fn) {
  for (int i = 0; i < kWarmup; ++i) fn();
  cudaEvent_t start, stop;
  TS_CUDA_CHECK(cudaEventCreate(&start));
  TS_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<float> times;
  for (int i = 0; i < kReps; ++i) {
    TS_CUDA_CHECK(cudaEventRecord(start));
    fn();
    TS_CUDA_CHECK(cudaEventRecord(stop));
    TS_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    TS_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms);
  }
  TS_CUDA_CHECK(cudaEventDestroy(start));
  TS_CUDA_CHECK(cudaEventDestroy(stop));
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// One cuBLASLt GEMM (column-major view), its algorithm chosen once by the heuristic.
struct LtGemm {
  cublasLtMatmulDesc_t desc{};
  cublasLtMatrixLayout_t a{}, b{}, d{};
  cublasLtMatmulAlgo_t algo{};
  const void *a_ptr, *b_ptr;
  void* d_ptr;
};

struct Lt {
  cublasLtHandle_t handle{};
  void* workspace = nullptr;
  size_t workspace_bytes = 64 << 20;
  Lt() {
    TS_CUBLAS_CHECK(cublasLtCreate(&handle));
    workspace = device_alloc<char>(workspace_bytes);
  }
  ~Lt() {
    cudaFree(workspace);
    cublasLtDestroy(handle);
  }
  // D[m x n] = op(A) op(B), BF16 inputs, FP32 compute, D in `d_type`.
  LtGemm plan(bool trans_a, bool trans_b, int m, int n, int k, const bf16* A, int lda, const bf16* B, int ldb,
              void* D, int ldd, cudaDataType_t d_type) {
    LtGemm g{{}, {}, {}, {}, {}, A, B, D};
    TS_CUBLAS_CHECK(cublasLtMatmulDescCreate(&g.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t ta = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, tb = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.a, CUDA_R_16BF, trans_a ? k : m, trans_a ? m : k, lda));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.b, CUDA_R_16BF, trans_b ? n : k, trans_b ? k : n, ldb));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.d, d_type, m, n, ldd));
    cublasLtMatmulPreference_t pref;
    TS_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    TS_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                         &workspace_bytes, sizeof workspace_bytes));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    TS_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(handle, g.desc, g.a, g.b, g.d, g.d, pref, 1, &result, &found));
    cublasLtMatmulPreferenceDestroy(pref);
    if (found == 0) throw std::runtime_error("cuBLASLt found no algorithm");
    g.algo = result.algo;
    return g;
  }
  // FP8 E4M3 TN GEMM, D = A^T B in BF16, with block scales (A: 128x128 blocks, the weights; B: 1x128 vectors,
  // the activations) when `block_scaled`, else per-tensor scalars. Returns found = false if refused.
  bool plan_fp8(bool block_scaled, int m, int n, int k, const void* A, const void* B, void* D, const float* a_scale,
                const float* b_scale, LtGemm& g) {
    g = LtGemm{{}, {}, {}, {}, {}, A, B, D};
    TS_CUBLAS_CHECK(cublasLtMatmulDescCreate(&g.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    if (block_scaled) {
      const int32_t a_mode = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F, b_mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
      TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &a_mode, sizeof a_mode));
      TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &b_mode, sizeof b_mode));
    }
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &a_scale, sizeof a_scale));
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &b_scale, sizeof b_scale));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.a, CUDA_R_8F_E4M3, k, m, k));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.b, CUDA_R_8F_E4M3, k, n, k));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.d, CUDA_R_16BF, m, n, m));
    cublasLtMatmulPreference_t pref;
    TS_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    TS_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                         &workspace_bytes, sizeof workspace_bytes));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    const cublasStatus_t status =
        cublasLtMatmulAlgoGetHeuristic(handle, g.desc, g.a, g.b, g.d, g.d, pref, 1, &result, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    if (status != CUBLAS_STATUS_SUCCESS || found == 0) {
      std::printf("cuBLASLt FP8 %s: no algorithm (status %d)\n", block_scaled ? "block-scaled" : "per-tensor", int(status));
      destroy(g);
      return false;
    }
    g.algo = result.algo;
    return true;
  }
  void run(const LtGemm& g) {
    const float alpha = 1, beta = 0;
    TS_CUBLAS_CHECK(cublasLtMatmul(handle, g.desc, &alpha, g.a_ptr, g.a, g.b_ptr, g.b, &beta, g.d_ptr, g.d, g.d_ptr,
                                   g.d, &g.algo, workspace, workspace_bytes, nullptr));
  }
  static void destroy(LtGemm& g) {
    cublasLtMatrixLayoutDestroy(g.a), cublasLtMatrixLayoutDestroy(g.b), cublasLtMatrixLayoutDestroy(g.d);
    cublasLtMatmulDescDestroy(g.desc);
  }
};

enum class Kind { kFprop, kSwiglu, kDgrad, kWgrad };
const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kFprop: return "fprop";
    case Kind::kSwiglu: return "fprop+swiglu";
    case Kind::kDgrad: return "dgrad";
    case Kind::kWgrad: return "wgrad";
  }
  return "";
}

// ||x - y|| / ||y|| of two device outputs (BF16 or FP32), read back to the host.
template <typename T>
double relative_diff(const T* x, const T* y, size_t n) {
  std::vector<T> hx(n), hy(n);
  TS_CUDA_CHECK(cudaMemcpy(hx.data(), x, n * sizeof(T), cudaMemcpyDeviceToHost));
  TS_CUDA_CHECK(cudaMemcpy(hy.data(), y, n * sizeof(T), cudaMemcpyDeviceToHost));
  double diff = 0, ref = 0;
  for (size_t i = 0; i < n; ++i) {
    double a, b;
    if constexpr (std::is_same_v<T, bf16>) a = __bfloat162float(hx[i]), b = __bfloat162float(hy[i]);
    else a = hx[i], b = hy[i];
    if (!std::isfinite(a)) return INFINITY;
    diff += (a - b) * (a - b), ref += b * b;
  }
  return std::sqrt(diff / std::max(ref, 1e-300));
}

struct Output {
  FILE* csv;
  FILE* md;
  std::vector<double> ratios;
};

// DeepGEMM's published grouped contiguous figures (FP8, H800, 4 groups x 8192 rows; FACTS.md).
double deepgemm_grouped_tflops(int experts, double v, Kind kind, int n, int k) {
  if (experts != 4 || v != 0 || kind != Kind::kFprop) return 0;
  if (n == 4096 && k == 7168) return 1346;
  if (n == 7168 && k == 2048) return 1214;
  return 0;
}

// One grouped GEMM over `total_rows` real rows split over `experts` with MaxVio v, ours and the peer.
void bench_grouped(Lt& lt, Output& out, int experts, double v, Kind kind, int n, int k, int64_t total_rows = kRoutedRows,
                   const char* label = "") {
  const std::vector<int64_t> loads = skewed_loads(experts, total_rows, v, kLoadSeed);
  std::vector<int> offsets{0};
  for (int64_t l : loads) offsets.push_back(offsets.back() + static_cast<int>((l + kExpertRowAlign - 1) / kExpertRowAlign * kExpertRowAlign));
  const int rows = offsets.back();
  // Operands: x rows x K (a), g rows x N (dd), w experts x N x K; outputs per kind.
  bf16* a = device_alloc<bf16>(size_t(rows) * k);
  bf16* dd = device_alloc<bf16>(size_t(rows) * n);
  bf16* w = device_alloc<bf16>(size_t(experts) * n * k);
  fill_bf16(a, size_t(rows) * k, 1, 1.0f), fill_bf16(dd, size_t(rows) * n, 2, 1.0f), fill_bf16(w, size_t(experts) * n * k, 3, 0.02f);
  for (int e = 0; e < experts; ++e) {  // padding rows zero, as permute leaves them
    const int pad0 = offsets[e] + static_cast<int>(loads[e]);
    TS_CUDA_CHECK(cudaMemset(a + size_t(pad0) * k, 0, size_t(offsets[e + 1] - pad0) * k * sizeof(bf16)));
    TS_CUDA_CHECK(cudaMemset(dd + size_t(pad0) * n, 0, size_t(offsets[e + 1] - pad0) * n * sizeof(bf16)));
  }
  int* d_offsets = device_alloc<int>(offsets.size());
  TS_CUDA_CHECK(cudaMemcpy(d_offsets, offsets.data(), offsets.size() * sizeof(int), cudaMemcpyHostToDevice));
  const GroupedGemmShape shape{experts, d_offsets, rows, n, k};
  const size_t out_elems = kind == Kind::kWgrad ? size_t(experts) * n * k : size_t(rows) * (kind == Kind::kDgrad ? k : kind == Kind::kSwiglu ? n / 2 : n);
  const bool fp32_out = kind == Kind::kWgrad;
  void* ours = device_alloc<char>(out_elems * (fp32_out ? 4 : 2));
  const size_t peer_elems = kind == Kind::kSwiglu ? size_t(rows) * n : out_elems;  // the peer stops at gate/up
  void* peer = device_alloc<char>(peer_elems * (fp32_out ? 4 : 2));
  TS_CUDA_CHECK(cudaMemset(ours, 0xff, out_elems * (fp32_out ? 4 : 2)));  // poisoned: unwritten shows as NaN
  TS_CUDA_CHECK(cudaMemset(peer, 0xff, peer_elems * (fp32_out ? 4 : 2)));

  auto run_ours = [&] {
    switch (kind) {
      case Kind::kFprop: launch_sm90_bf16_grouped_gemm_fprop(shape, a, w, static_cast<bf16*>(ours), nullptr); break;
      case Kind::kSwiglu: launch_sm90_bf16_grouped_swiglu_fprop(shape, a, w, static_cast<bf16*>(ours), nullptr); break;
      case Kind::kDgrad: launch_sm90_bf16_grouped_gemm_dgrad(shape, dd, w, static_cast<bf16*>(ours), nullptr); break;
      case Kind::kWgrad: launch_sm90_bf16_grouped_gemm_wgrad(shape, dd, a, static_cast<float*>(ours), nullptr); break;
    }
  };
  // The peer: one cuBLASLt GEMM per expert with rows (the SwiGLU row is timed as the plain gate/up GEMM).
  std::vector<LtGemm> plans;
  for (int e = 0; e < experts; ++e) {
    const int c = static_cast<int>(loads[e]), off = offsets[e];
    const bf16* we = w + size_t(e) * n * k;
    if (kind == Kind::kWgrad) {
      float* dw = static_cast<float*>(peer) + size_t(e) * n * k;
      if (c == 0) {
        TS_CUDA_CHECK(cudaMemset(dw, 0, size_t(n) * k * sizeof(float)));
        continue;
      }
      plans.push_back(lt.plan(false, true, k, n, c, a + size_t(off) * k, k, dd + size_t(off) * n, n, dw, k, CUDA_R_32F));
    } else if (c == 0) {
      continue;
    } else if (kind == Kind::kDgrad) {
      plans.push_back(lt.plan(false, false, k, c, n, we, k, dd + size_t(off) * n, n, static_cast<bf16*>(peer) + size_t(off) * k, k, CUDA_R_16BF));
    } else {
      plans.push_back(lt.plan(true, false, n, c, k, we, k, a + size_t(off) * k, k, static_cast<bf16*>(peer) + size_t(off) * n, n, CUDA_R_16BF));
    }
  }
  auto run_peer = [&] {
    for (const LtGemm& g : plans) lt.run(g);
  };
  const double ours_ms = median_ms(run_ours);
  const double peer_ms = median_ms(run_peer);
  TS_CUDA_CHECK(cudaDeviceSynchronize());
  double agree = NAN;  // same-input agreement with cuBLASLt over the real rows (SwiGLU has no peer output)
  if (kind == Kind::kWgrad) {
    agree = relative_diff(static_cast<float*>(ours), static_cast<float*>(peer), out_elems);
  } else if (kind != Kind::kSwiglu) {
    const int cols = kind == Kind::kDgrad ? k : n;
    double worst = 0;
    for (int e = 0; e < experts; ++e)
      if (loads[e] > 0)
        worst = std::max(worst, relative_diff(static_cast<bf16*>(ours) + size_t(offsets[e]) * cols,
                                              static_cast<bf16*>(peer) + size_t(offsets[e]) * cols, size_t(loads[e]) * cols));
    agree = worst;
  }
  const double flop = 2.0 * double(total_rows) * n * k;
  const double ours_tflops = flop / (ours_ms * 1e-3) / 1e12, peer_tflops = flop / (peer_ms * 1e-3) / 1e12;
  const double published = deepgemm_grouped_tflops(experts, v, kind, n, k);
  out.ratios.push_back(peer_ms / ours_ms);
  const std::string name = std::string(label) + kind_name(kind);
  std::fprintf(out.csv, "grouped_gemm,%s,%d,%.1f,%.4f,%lld,%d,%d,%.2f,%.1f,,cublaslt_bf16_loop,%.2f,%.1f,%.3f,%.2e,%s\n",
               name.c_str(), experts, v, max_vio(loads), static_cast<long long>(total_rows), n, k, ours_ms * 1e3,
               ours_tflops, peer_ms * 1e3, peer_tflops, peer_ms / ours_ms, agree,
               published > 0 ? std::to_string(static_cast<int>(published)).c_str() : "");
  std::fprintf(out.md, "| %s | %d | %.1f (%.3f) | %d | %d | %.0f | %.1f | %.0f | %.1f | %.2f | %.1e | %s |\n", name.c_str(),
               experts, v, max_vio(loads), n, k, ours_ms * 1e3, ours_tflops, peer_ms * 1e3, peer_tflops, peer_ms / ours_ms,
               agree, published > 0 ? (std::to_string(static_cast<int>(published)) + " (FP8, H800)").c_str() : "");
  std::printf("%-20s E=%-2d MaxVio %.1f n=%-5d k=%-5d ours %8.1f us %6.1f TFLOPS | cuBLASLt %8.1f us %6.1f TFLOPS | x%.2f | agree %.1e\n",
              name.c_str(), experts, v, n, k, ours_ms * 1e3, ours_tflops, peer_ms * 1e3, peer_tflops, peer_ms / ours_ms, agree);
  std::fflush(stdout);
  for (LtGemm& g : plans) Lt::destroy(g);
  for (void* p : {static_cast<void*>(a), static_cast<void*>(dd), static_cast<void*>(w), static_cast<void*>(d_offsets), ours, peer})
    TS_CUDA_CHECK(cudaFree(p));
}

// The target for the FP8 version: a cuBLASLt FP8 loop of per-expert forward GEMMs (TN, the layout FP8 needs
// on Hopper), block-scaled as DeepSeek-V3 (1x128 activations, 128x128 weights) if this cuBLASLt accepts it,
// else per-tensor, labelled. Scales are all 1.0: this times the GEMMs, it does not check them.
void bench_fp8_peer(Lt& lt, Output& out, int experts, double v, int n, int k) {
  const std::vector<int64_t> loads = skewed_loads(experts, kRoutedRows, v, kLoadSeed);
  auto* a = device_alloc<__nv_fp8_storage_t>(size_t(kRoutedRows) * k);
  auto* w = device_alloc<__nv_fp8_storage_t>(size_t(experts) * n * k);
  bf16* d = device_alloc<bf16>(size_t(kRoutedRows) * n);
  const size_t scale_count = size_t(kRoutedRows + 128 * experts) * (k / 128 + 1) + size_t(experts) * (n / 128 + 1) * (k / 128 + 1);
  float* scales = device_alloc<float>(scale_count);
  fill_fp8_kernel<<<1024, 256>>>(a, size_t(kRoutedRows) * k, 5);
  fill_fp8_kernel<<<1024, 256>>>(w, size_t(experts) * n * k, 6);
  fill_ones_kernel<<<1024, 256>>>(scales, scale_count);
  TS_CUDA_CHECK_LAUNCH();
  std::string mode = "block-scaled (128x128 W, 1x128 X)";
  std::vector<LtGemm> plans;
  for (bool block_scaled : {true, false}) {
    plans.clear();
    bool ok = true;
    int64_t row = 0;
    for (int e = 0; e < experts && ok; ++e) {
      if (loads[e] == 0) continue;
      LtGemm g;
      ok = lt.plan_fp8(block_scaled, n, static_cast<int>(loads[e]), k, w + size_t(e) * n * k, a + size_t(row) * k,
                       d + size_t(row) * n, scales, scales, g);
      if (ok) plans.push_back(g);
      row += loads[e];
    }
    if (ok) break;
    for (LtGemm& g : plans) Lt::destroy(g);
    plans.clear();
    mode = "per-tensor scales (block-scaled refused)";
  }
  if (plans.empty()) {
    std::fprintf(out.md, "| fprop | %d | %.1f | %d | %d | - | - | refused by cuBLASLt | |\n", experts, v, n, k);
  } else {
    const double ms = median_ms([&] { for (const LtGemm& g : plans) lt.run(g); });
    const double tflops = 2.0 * double(kRoutedRows) * n * k / (ms * 1e-3) / 1e12;
    const double published = deepgemm_grouped_tflops(experts, v, Kind::kFprop, n, k);
    std::fprintf(out.csv, "peer_fp8,fprop,%d,%.1f,%.4f,%lld,%d,%d,,,,cublaslt_fp8_loop %s,%.2f,%.1f,,,%s\n", experts, v,
                 max_vio(loads), static_cast<long long>(kRoutedRows), n, k, mode.c_str(), ms * 1e3, tflops,
                 published > 0 ? std::to_string(static_cast<int>(published)).c_str() : "");
    std::fprintf(out.md, "| fprop | %d | %.1f | %d | %d | %.0f | %.1f | %s | %s |\n", experts, v, n, k, ms * 1e3, tflops,
                 mode.c_str(), published > 0 ? std::to_string(static_cast<int>(published)).c_str() : "");
    std::printf("cuBLASLt FP8 fprop E=%-2d MaxVio %.1f n=%-5d k=%-5d %8.1f us %6.1f TFLOPS (%s)\n", experts, v, n, k, ms * 1e3,
                tflops, mode.c_str());
  }
  for (LtGemm& g : plans) Lt::destroy(g);
  for (void* p : {static_cast<void*>(a), static_cast<void*>(w), static_cast<void*>(d), static_cast<void*>(scales)})
    TS_CUDA_CHECK(cudaFree(p));
}

void bench_router_and_permute(Output& out) {
  std::vector<float> logits(size_t(kTokens) * 256);
  fill_normal(logits, 7);
  float* d_logits = device_alloc<float>(logits.size());
  float* d_bias = device_alloc<float>(256);
  float* d_gates = device_alloc<float>(size_t(kTokens) * kTopK);
  int* d_ids = device_alloc<int>(size_t(kTokens) * kTopK);
  TS_CUDA_CHECK(cudaMemcpy(d_logits, logits.data(), logits.size() * sizeof(float), cudaMemcpyHostToDevice));
  TS_CUDA_CHECK(cudaMemset(d_bias, 0, 256 * sizeof(float)));
  auto row = [&](const char* name, double ms, double bytes) {
    const double us_per_token = ms * 1e3 / kTokens, gbps = bytes / (ms * 1e-3) / 1e9;
    std::fprintf(out.csv, "per_token,%s,256,,,%d,,,%.2f,,%.1f,,,,,,\n", name, kTokens, ms * 1e3, gbps);
    std::fprintf(out.md, "| %s | %d | %.1f | %.4f | %.0f |\n", name, kTokens, ms * 1e3, us_per_token, gbps);
    std::printf("%-34s %8.1f us for %d tokens = %.4f us/token, %.0f GB/s\n", name, ms * 1e3, kTokens, us_per_token, gbps);
  };
  row("router deepseek-v3 (256e, top 8)", median_ms([&] {
        launch_sm90_fp32_router(kDeepSeekV3Routing, d_logits, d_bias, kTokens, d_ids, d_gates, nullptr);
      }), double(kTokens) * (256 * 4 + kTopK * 8));
  const int experts = 256, max_rows = max_layout_rows(kTokens, kTopK, experts, kExpertRowAlign);
  DeviceExpertLayout layout{experts, kTopK, kExpertRowAlign, kTokens,
                            device_alloc<int>(size_t(experts) * layout_chunks(kTokens, kTopK)), device_alloc<int>(experts),
                            device_alloc<int>(experts + 1), device_alloc<int>(size_t(kTokens) * kTopK), device_alloc<int>(max_rows)};
  bf16* x = device_alloc<bf16>(size_t(kTokens) * kHidden);
  bf16* permuted = device_alloc<bf16>(size_t(max_rows) * kHidden);
  float* combined = device_alloc<float>(size_t(kTokens) * kHidden);
  fill_bf16(x, size_t(kTokens) * kHidden, 11, 1.0f);
  launch_sm90_plan_layout(d_ids, layout, nullptr);
  int total_rows = 0;
  TS_CUDA_CHECK(cudaMemcpy(&total_rows, layout.offsets + experts, sizeof(int), cudaMemcpyDeviceToHost));
  const double slots = double(kTokens) * kTopK;
  row("plan layout (256e, top 8)", median_ms([&] { launch_sm90_plan_layout(d_ids, layout, nullptr); }), slots * 4 * 3);
  row("permute bf16 h7168", median_ms([&] { launch_sm90_bf16_permute(layout, x, kHidden, permuted, nullptr); }),
      slots * kHidden * 2 + double(total_rows) * kHidden * 2);
  row("combine bf16->fp32 h7168", median_ms([&] {
        launch_sm90_bf16_combine(layout, permuted, d_gates, kHidden, combined, nullptr);
      }), slots * kHidden * 2 + double(kTokens) * kHidden * 4);
  for (void* p : {static_cast<void*>(d_logits), static_cast<void*>(d_bias), static_cast<void*>(d_gates), static_cast<void*>(d_ids),
                  static_cast<void*>(layout.chunk_counts), static_cast<void*>(layout.counts), static_cast<void*>(layout.offsets),
                  static_cast<void*>(layout.row_of), static_cast<void*>(layout.slot_of), static_cast<void*>(x),
                  static_cast<void*>(permuted), static_cast<void*>(combined)})
    TS_CUDA_CHECK(cudaFree(p));
}

// One line per placement and MaxVio: experts, target MaxVio, then the rows of each expert.
void write_loads(const char* path) {
  FILE* f = std::fopen(path, "w");
  if (!f) throw std::runtime_error(std::string("cannot open ") + path);
  for (int experts : {4, 32})
    for (double v : {0.0, 0.5, 2.0}) {
      std::fprintf(f, "%d %.1f", experts, v);
      for (int64_t l : skewed_loads(experts, kRoutedRows, v, kLoadSeed)) std::fprintf(f, " %lld", static_cast<long long>(l));
      std::fprintf(f, "\n");
    }
  std::fclose(f);
}

int run(const char* csv_path, const char* md_path, const char* loads_path) {
  write_loads(loads_path);
  Output out{std::fopen(csv_path, "w"), std::fopen(md_path, "w"), {}};
  if (!out.csv || !out.md) throw std::runtime_error("cannot open the output files");
  const std::string device = describe(query_device());
  std::printf("# MoE benchmark on %s\n", device.c_str());
  std::fprintf(out.csv, "section,name,experts,max_vio_target,max_vio,rows,n,k,time_us,tflops,gbps,peer,peer_time_us,peer_tflops,"
                        "speedup_vs_peer,agree_rel_l2,deepgemm_published_tflops\n");
  std::fprintf(out.md, "Device: %s. Median of %d timed runs after %d warm-up, CUDA events. Rows: 32,768 routed rows "
                       "(FLOPs counted on real rows; padding to 128 rows per expert is ours to pay); the shared expert: 4096 rows, one group.\n\n", device.c_str(), kReps, kWarmup);
  std::fprintf(out.md, "| op | tokens | time (us) | us/token | GB/s |\n| --- | --- | --- | --- | --- |\n");
  bench_router_and_permute(out);
  std::fprintf(out.md, "\n| GEMM | local experts | MaxVio target (got) | N | K | ours (us) | ours TFLOPS | cuBLASLt loop (us) "
                       "| cuBLASLt TFLOPS | speed-up | agree (rel L2) | DeepGEMM published |\n"
                       "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  Lt lt;
  for (int experts : {4, 32})
    for (double v : {0.0, 0.5, 2.0}) {
      bench_grouped(lt, out, experts, v, Kind::kFprop, 2 * kInter, kHidden);   // gate/up
      bench_grouped(lt, out, experts, v, Kind::kSwiglu, 2 * kInter, kHidden);  // gate/up + SwiGLU
      bench_grouped(lt, out, experts, v, Kind::kFprop, kHidden, kInter);       // down
      bench_grouped(lt, out, experts, v, Kind::kDgrad, 2 * kInter, kHidden);
      bench_grouped(lt, out, experts, v, Kind::kDgrad, kHidden, kInter);
      bench_grouped(lt, out, experts, v, Kind::kWgrad, 2 * kInter, kHidden);
      bench_grouped(lt, out, experts, v, Kind::kWgrad, kHidden, kInter);
    }
  // The shared expert: every one of the GPU's 4096 tokens through one dense expert (a group of one).
  bench_grouped(lt, out, 1, 0.0, Kind::kSwiglu, 2 * kInter, kHidden, kTokens, "shared ");
  bench_grouped(lt, out, 1, 0.0, Kind::kFprop, kHidden, kInter, kTokens, "shared ");
  std::fprintf(out.md, "\nThe FP8 target: a cuBLASLt FP8 loop of per-expert forward GEMMs (scales all 1.0; timing only).\n\n"
                       "| GEMM | local experts | MaxVio | N | K | time (us) | TFLOPS | scale mode | DeepGEMM published (FP8, H800) |\n"
                       "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (int experts : {4, 32})
    for (double v : {0.0, 0.5, 2.0}) {
      bench_fp8_peer(lt, out, experts, v, 2 * kInter, kHidden);
      bench_fp8_peer(lt, out, experts, v, kHidden, kInter);
    }
  double log_sum = 0;
  for (double r : out.ratios) log_sum += std::log(r);
  const double geomean = std::exp(log_sum / std::max<size_t>(out.ratios.size(), 1));
  std::fprintf(out.md, "\nGeometric mean speed-up of ours over the cuBLASLt BF16 loop: %.3f (%zu shapes).\n", geomean, out.ratios.size());
  std::printf("# geometric mean speed-up over cuBLASLt loop: %.3f\n", geomean);
  std::fclose(out.csv), std::fclose(out.md);
  return 0;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: moe_bench OUT.csv OUT.md OUT-loads.txt\n");
    return 2;
  }
  try {
    return trainsim::kernels::run(argv[1], argv[2], argv[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_bench: error: %s\n", e.what());
    return 1;
  }
}
