// Benchmark of the MoE kernels on DeepSeek-V3 training's share of one GPU: grouped GEMMs (4 local experts
// under EP 64, and 32, over 32,768 routed rows = 4096 tokens x 8 experts x 64 GPUs / 256 experts) at MaxVio 0,
// 0.5 and 2, beside a cuBLASLt loop of per-expert GEMMs (cuBLASLt 13.0 has no grouped API) on the same
// buffers; router and permute time per token. Writes a CSV, a Markdown table and the loads it used (for the
// PyTorch peer script). Usage: moe_bench [--quick] OUT.csv OUT.md OUT-loads.txt
#include <cublasLt.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "kernels/common/driver_args.h"
#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_info.cuh"
#include "kernels/common/random_fill.h"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/moe_bench_harness.cuh"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/router_ref.h"
#include "kernels/moe/sm90_bf16_grouped_gemm.h"
#include "kernels/moe/sm90_bf16_permute.h"
#include "kernels/moe/sm90_fp32_router.h"

namespace trainsim::kernels {
namespace {

using namespace moe_harness;

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

// The agreement column: the relative L2 difference and the share of bitwise-equal values, or why the
// comparison tested nothing (a non-finite value on either side, an all-zero peer output).
std::string agreement_text(const Agreement& a) {
  char text[96];
  if (!a.valid() && a.non_finite > 0)
    std::snprintf(text, sizeof text, "INVALID: %zu values not finite", a.non_finite);
  else if (!a.valid())
    std::snprintf(text, sizeof text, "INVALID: peer output all zero");
  else if (a.bitwise_equal == a.elements)
    std::snprintf(text, sizeof text, "bitwise equal (%zu values)", a.elements);
  else
    std::snprintf(text, sizeof text, "%.1e (%.1f%% bitwise equal)", a.relative_l2(),
                  100.0 * double(a.bitwise_equal) / double(a.elements));
  return text;
}

// One grouped GEMM over `total_rows` real rows split over `experts` with MaxVio v, ours and the peer.
void bench_grouped(Lt& lt, Output& out, int experts, double v, Kind kind, int n, int k, int64_t total_rows = kRoutedRows,
                   const char* label = "") {
  const std::vector<int64_t> loads = skewed_loads(experts, total_rows, v, kLoadSeed);
  const std::vector<int> offsets = padded_offsets(loads);
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
  // Same-input agreement with cuBLASLt over the real rows; SwiGLU has no peer output to compare.
  Agreement agree;
  const bool compared = kind != Kind::kSwiglu;
  if (kind == Kind::kWgrad) {
    agree = agreement(static_cast<float*>(ours), static_cast<float*>(peer), out_elems);
  } else if (compared) {
    const int cols = kind == Kind::kDgrad ? k : n;
    for (int e = 0; e < experts; ++e)
      if (loads[e] > 0)
        agree.add(agreement(static_cast<bf16*>(ours) + size_t(offsets[e]) * cols,
                            static_cast<bf16*>(peer) + size_t(offsets[e]) * cols, size_t(loads[e]) * cols));
  }
  if (compared) out.agreements.push_back(agree);
  const std::string agree_text = compared ? agreement_text(agree) : "not compared (the peer has no SwiGLU)";
  char agree_csv[64] = "", equal_csv[32] = "";
  if (compared && agree.valid()) {
    std::snprintf(agree_csv, sizeof agree_csv, "%.2e", agree.relative_l2());
    std::snprintf(equal_csv, sizeof equal_csv, "%.6f", double(agree.bitwise_equal) / double(agree.elements));
  } else if (compared) {
    std::snprintf(agree_csv, sizeof agree_csv, "invalid");
  }
  const double flop = 2.0 * double(total_rows) * n * k;
  const double ours_tflops = flop / (ours_ms * 1e-3) / 1e12, peer_tflops = flop / (peer_ms * 1e-3) / 1e12;
  const double published = deepgemm_grouped_tflops(experts, v, kind, n, k);
  const std::string pub = published > 0 ? std::to_string(static_cast<int>(published)) : "";
  out.ratios.push_back(peer_ms / ours_ms);
  const std::string name = std::string(label) + kind_name(kind);
  std::fprintf(out.csv,
               "grouped_gemm,%s,%d,%.1f,%.4f,%lld,%d,%d,%.2f,%.1f,,cublaslt_bf16_loop,%.2f,%.1f,%.3f,%s,%s,%s\n",
               name.c_str(), experts, v, max_vio(loads), static_cast<long long>(total_rows), n, k, ours_ms * 1e3,
               ours_tflops, peer_ms * 1e3, peer_tflops, peer_ms / ours_ms, agree_csv, pub.c_str(), equal_csv);
  std::fprintf(out.md, "| %s | %d | %.1f (%.3f) | %d | %d | %.0f | %.1f | %.0f | %.1f | %.2f | %s | %s |\n",
               name.c_str(), experts, v, max_vio(loads), n, k, ours_ms * 1e3, ours_tflops, peer_ms * 1e3, peer_tflops,
               peer_ms / ours_ms, agree_text.c_str(), published > 0 ? (pub + " (FP8, H800)").c_str() : "");
  std::printf("%-20s E=%-2d MaxVio %.1f n=%-5d k=%-5d ours %8.1f us %6.1f TFLOPS | cuBLASLt %8.1f us %6.1f TFLOPS "
              "| x%.2f | agree %s\n",
              name.c_str(), experts, v, n, k, ours_ms * 1e3, ours_tflops, peer_ms * 1e3, peer_tflops, peer_ms / ours_ms,
              agree_text.c_str());
  std::fflush(stdout);
  for (LtGemm& g : plans) Lt::destroy(g);
  for (void* p : {static_cast<void*>(a), static_cast<void*>(dd), static_cast<void*>(w), static_cast<void*>(d_offsets), ours, peer})
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
    std::fprintf(out.csv, "per_token,%s,256,,,%d,,,%.2f,,%.1f,,,,,,,\n", name, kTokens, ms * 1e3, gbps);
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
  // Permute's bytes count every slot reading its token's row (eight reads of each token; L2 may serve the
  // repeats) and every padded row written, so its GB/s may exceed what DRAM moved.
  const std::string permute = "permute bf16 h7168 (" + std::to_string(total_rows) + " padded rows)";
  row(permute.c_str(), median_ms([&] { launch_sm90_bf16_permute(layout, x, kHidden, permuted, nullptr); }),
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

// One line per placement and MaxVio the benchmark times: experts, target MaxVio, then the rows of each expert.
void write_loads(const char* path, const std::vector<int>& expert_counts, const std::vector<double>& max_vios) {
  FILE* f = std::fopen(path, "w");
  if (!f) throw std::runtime_error(std::string("cannot open ") + path);
  for (int experts : expert_counts)
    for (double v : max_vios) {
      std::fprintf(f, "%d %.1f", experts, v);
      for (int64_t l : skewed_loads(experts, kRoutedRows, v, kLoadSeed)) std::fprintf(f, " %lld", static_cast<long long>(l));
      std::fprintf(f, "\n");
    }
  std::fclose(f);
}

// quick: 32 local experts at MaxVio 0 and 2, the forward GEMMs only, and the shared expert (8 GEMMs, not 44).
int run(const char* csv_path, const char* md_path, const char* loads_path, bool quick) {
  const std::vector<int> expert_counts = quick ? std::vector<int>{32} : std::vector<int>{4, 32};
  const std::vector<double> max_vios = quick ? std::vector<double>{0.0, 2.0} : std::vector<double>{0.0, 0.5, 2.0};
  write_loads(loads_path, expert_counts, max_vios);
  Output out{std::fopen(csv_path, "w"), std::fopen(md_path, "w"), {}};
  if (!out.csv || !out.md) throw std::runtime_error("cannot open the output files");
  const std::string device = describe(query_device());
  std::printf("# MoE benchmark on %s\n", device.c_str());
  std::fprintf(out.csv, "section,name,experts,max_vio_target,max_vio,rows,n,k,time_us,tflops,gbps,peer,peer_time_us,"
                        "peer_tflops,speedup_vs_peer,agree_rel_l2,deepgemm_published_tflops,agree_bitwise_equal\n");
  std::fprintf(out.md, "Device: %s. Median of %d timed runs after %d warm-up, CUDA events. Rows: 32,768 routed rows "
                       "(FLOPs counted on real rows; padding to 128 rows per expert is ours to pay); the shared expert: 4096 rows, one group.\n\n", device.c_str(), kReps, kWarmup);
  std::fprintf(out.md, "Per-token ops on 4096 tokens routed over 256 experts (all on this GPU, each padded to 128 "
                       "rows). GB/s: the bytes each op is counted with, over its time; permute counts each of the 8 "
                       "reads of every token, which L2 may serve, so it may exceed the device's copy rate.\n\n");
  std::fprintf(out.md, "| op | tokens | time (us) | us/token | GB/s |\n| --- | --- | --- | --- | --- |\n");
  bench_router_and_permute(out);
  std::fprintf(out.md, "\nagree: ||ours - cuBLASLt|| / ||cuBLASLt|| over the real rows on the same inputs (both FP32 "
                       "accumulated), with the share of values that are bitwise equal; INVALID where a value on "
                       "either side is not finite or cuBLASLt's output is all zero. The fprop+swiglu rows are not "
                       "compared: the cuBLASLt loop runs, and is timed on, the plain gate/up GEMM without SwiGLU.\n");
  std::fprintf(out.md, "\n| GEMM | local experts | MaxVio target (got) | N | K | ours (us) | ours TFLOPS | cuBLASLt loop (us) "
                       "| cuBLASLt TFLOPS | speed-up | agree with cuBLASLt (rel L2) | DeepGEMM published |\n"
                       "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  Lt lt;
  for (int experts : expert_counts)
    for (double v : max_vios) {
      bench_grouped(lt, out, experts, v, Kind::kFprop, 2 * kInter, kHidden);   // gate/up
      bench_grouped(lt, out, experts, v, Kind::kSwiglu, 2 * kInter, kHidden);  // gate/up + SwiGLU
      bench_grouped(lt, out, experts, v, Kind::kFprop, kHidden, kInter);       // down
      if (quick) continue;
      bench_grouped(lt, out, experts, v, Kind::kDgrad, 2 * kInter, kHidden);
      bench_grouped(lt, out, experts, v, Kind::kDgrad, kHidden, kInter);
      bench_grouped(lt, out, experts, v, Kind::kWgrad, 2 * kInter, kHidden);
      bench_grouped(lt, out, experts, v, Kind::kWgrad, kHidden, kInter);
    }
  // The shared expert: every one of the GPU's 4096 tokens through one dense expert (a group of one).
  bench_grouped(lt, out, 1, 0.0, Kind::kSwiglu, 2 * kInter, kHidden, kTokens, "shared ");
  bench_grouped(lt, out, 1, 0.0, Kind::kFprop, kHidden, kInter, kTokens, "shared ");
  double log_sum = 0;
  for (double r : out.ratios) log_sum += std::log(r);
  const double geomean = std::exp(log_sum / std::max<size_t>(out.ratios.size(), 1));
  std::fprintf(out.md, "\nGeometric mean speed-up of ours over the cuBLASLt BF16 loop: %.3f (%zu shapes).\n", geomean,
               out.ratios.size());
  std::printf("# geometric mean speed-up over cuBLASLt loop: %.3f\n", geomean);
  size_t equal = 0, invalid = 0;
  double worst = 0;
  for (const Agreement& a : out.agreements) {
    if (!a.valid()) ++invalid;
    else if (a.bitwise_equal == a.elements) ++equal;
    else worst = std::max(worst, a.relative_l2());
  }
  const size_t differ = out.agreements.size() - equal - invalid;
  std::fprintf(out.md, "Agreement with cuBLASLt: %zu GEMMs compared, %zu bitwise equal, %zu differing (worst rel L2 "
               "%.1e), %zu INVALID; %zu not compared.\n", out.agreements.size(), equal, differ, worst, invalid,
               out.ratios.size() - out.agreements.size());
  std::printf("# agreement with cuBLASLt: %zu compared, %zu bitwise equal, %zu differ (worst %.1e), %zu invalid\n",
              out.agreements.size(), equal, differ, worst, invalid);
  std::fclose(out.csv), std::fclose(out.md);
  return 0;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  try {
    const trainsim::kernels::DriverArgs cli = trainsim::kernels::parse_driver_args(argc, argv);
    if (cli.positional.size() != 3) {
      std::fprintf(stderr, "usage: moe_bench [--quick] OUT.csv OUT.md OUT-loads.txt\n");
      return 2;
    }
    return trainsim::kernels::run(cli.positional[0].c_str(), cli.positional[1].c_str(), cli.positional[2].c_str(), cli.quick);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_bench: error: %s\n", e.what());
    return 1;
  }
}
