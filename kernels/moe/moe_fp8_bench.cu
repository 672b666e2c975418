// Benchmark of the grouped FP8 expert GEMMs (kernels/fp8's WGMMA tile, one launch per expert) on DeepSeek-V3
// training's share of one GPU (moe_bench's shapes and loads), beside kernels/fp8's cuBLASLt FP8 peer planning
// the same per-expert problems. Writes a CSV and a Markdown table. Built only where kernels/fp8 is.
// Usage: moe_fp8_bench [--quick] OUT.csv OUT.md
#include <cuda_bf16.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernels/common/driver_args.h"
#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_info.cuh"
#include "kernels/fp8/cublaslt_fp8_gemm.h"
#include "kernels/fp8/sm90_fp8_gemm.h"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/moe_bench_harness.cuh"
#include "kernels/moe/sm90_fp8_grouped_gemm.h"

namespace trainsim::kernels {
namespace {

using namespace moe_harness;

// Our grouped FP8 GEMM (kernels/fp8's WGMMA tile, one launch per expert) beside a cuBLASLt FP8 loop of the
// same per-expert problems (kernels/fp8's peer: block-scaled if accepted, else per-tensor, labelled).
// Scales are all 1.0 and codes random: this times the GEMMs; moe_check checks them.
void bench_fp8(fp8::CublasLtFp8Gemm& lt8, Output& out, int experts, double v, Kind kind, int n, int k) {
  const std::vector<int64_t> loads = skewed_loads(experts, kRoutedRows, v, kLoadSeed);
  const std::vector<int> offsets = padded_offsets(loads);
  const int rows = offsets.back();
  auto* rows_a = device_alloc<uint8_t>(size_t(rows) * std::max(n, k));  // x, dy, or dy^T segments
  auto* rows_b = device_alloc<uint8_t>(size_t(rows) * k);               // x^T segments (wgrad)
  auto* w = device_alloc<uint8_t>(size_t(experts) * n * k);
  const bool fp32_out = kind == Kind::kWgrad;
  const size_t out_elems = fp32_out ? size_t(experts) * n * k : size_t(rows) * (kind == Kind::kDgrad ? k : n);
  void* ours = device_alloc<char>(out_elems * (fp32_out ? 4 : 2));
  void* peer = device_alloc<char>(out_elems * (fp32_out ? 4 : 2));
  const size_t scale_count = size_t(rows + 128) * (std::max(n, k) / 128 + 1) + size_t(experts + 1) * (n / 128 + 1) * (k / 128 + 4);
  float* scales = device_alloc<float>(scale_count);
  fill_fp8_kernel<<<1024, 256>>>(rows_a, size_t(rows) * std::max(n, k), 5);
  fill_fp8_kernel<<<1024, 256>>>(rows_b, size_t(rows) * k, 6);
  fill_fp8_kernel<<<1024, 256>>>(w, size_t(experts) * n * k, 7);
  fill_ones_kernel<<<1024, 256>>>(scales, scale_count);
  TS_CUDA_CHECK_LAUNCH();
  const Fp8Grouped a_op{rows_a, scales}, b_op{rows_b, scales}, w_op{w, scales};
  auto run_ours = [&] {
    switch (kind) {
      case Kind::kDgrad: sm90_fp8_grouped_gemm_dgrad(offsets, n, k, a_op, w_op, static_cast<bf16*>(ours), fp8::GemmVariant::kWgmma, nullptr); break;
      case Kind::kWgrad: sm90_fp8_grouped_gemm_wgrad(offsets, n, k, a_op, b_op, static_cast<float*>(ours), fp8::GemmVariant::kWgmma, nullptr); break;
      default: sm90_fp8_grouped_gemm_fprop(offsets, n, k, a_op, w_op, static_cast<bf16*>(ours), fp8::GemmVariant::kWgmma, nullptr); break;
    }
  };
  // The peer plans the very problems our launches run (kernels/fp8's cuBLASLt peer, block-scaled if accepted).
  const ExpertGemm gemm = kind == Kind::kDgrad ? ExpertGemm::kDgrad : kind == Kind::kWgrad ? ExpertGemm::kWgrad : ExpertGemm::kFprop;
  std::vector<fp8::CublasLtFp8Gemm::Plan> plans;
  for (const fp8::Fp8GemmArgs& args : grouped_fp8_problems(gemm, offsets, n, k, a_op, kind == Kind::kWgrad ? b_op : w_op, peer))
    plans.push_back(lt8.plan(args));
  if (kind == Kind::kWgrad) TS_CUDA_CHECK(cudaMemset(peer, 0, out_elems * 4));  // experts without rows
  std::string mode = plans.empty() ? "no rows" : plans.front().label();
  const double flop = 2.0 * double(kRoutedRows) * n * k;
  const double ours_ms = median_ms(run_ours), ours_tflops = flop / (ours_ms * 1e-3) / 1e12;
  const double peer_ms = median_ms([&] { for (const auto& plan : plans) lt8.run(plan, nullptr); });
  const double peer_tflops = flop / (peer_ms * 1e-3) / 1e12;
  const double published = deepgemm_grouped_tflops(experts, v, kind, n, k);
  const std::string pub = published > 0 ? std::to_string(static_cast<int>(published)) : "";
  std::fprintf(out.csv, "grouped_gemm_fp8,%s,%d,%.1f,%.4f,%lld,%d,%d,%.2f,%.1f,,cublaslt_fp8_loop %s,%.2f,%.1f,%.3f,,%s\n",
               kind_name(kind), experts, v, max_vio(loads), static_cast<long long>(kRoutedRows), n, k, ours_ms * 1e3,
               ours_tflops, mode.c_str(), peer_ms * 1e3, peer_tflops, peer_ms / ours_ms, pub.c_str());
  std::fprintf(out.md, "| %s | %d | %.1f | %d | %d | %.0f | %.1f | %.0f | %.1f | %s | %.2f | %s |\n", kind_name(kind), experts, v,
               n, k, ours_ms * 1e3, ours_tflops, peer_ms * 1e3, peer_tflops, mode.c_str(), peer_ms / ours_ms, pub.c_str());
  std::printf("FP8 %-9s E=%-2d MaxVio %.1f n=%-5d k=%-5d ours %8.1f us %6.1f TFLOPS | cuBLASLt %8.1f us %6.1f TFLOPS (%s)\n",
              kind_name(kind), experts, v, n, k, ours_ms * 1e3, ours_tflops, peer_ms * 1e3, peer_tflops, mode.c_str());
  std::fflush(stdout);
  for (auto& plan : plans) lt8.release(plan);
  for (void* p : {static_cast<void*>(rows_a), static_cast<void*>(rows_b), static_cast<void*>(w), ours, peer, static_cast<void*>(scales)})
    TS_CUDA_CHECK(cudaFree(p));
}

// quick: 32 local experts at MaxVio 0 and 2, forward only (4 GEMMs, not 36).
int run(const char* csv_path, const char* md_path, bool quick) {
  Output out{std::fopen(csv_path, "w"), std::fopen(md_path, "w"), {}};
  if (!out.csv || !out.md) throw std::runtime_error("cannot open the output files");
  const std::string device = describe(query_device());
  std::printf("# MoE grouped FP8 benchmark on %s\n", device.c_str());
  std::fprintf(out.csv, "section,name,experts,max_vio_target,max_vio,rows,n,k,time_us,tflops,gbps,peer,peer_time_us,peer_tflops,"
                        "speedup_vs_peer,agree_rel_l2,deepgemm_published_tflops\n");
  std::fprintf(out.md, "Device: %s. Our grouped FP8 GEMM on kernels/fp8's WGMMA tile (one launch per expert) beside "
                       "kernels/fp8's cuBLASLt FP8 peer on the same per-expert problems. Codes random, scales all 1.0 "
                       "(timing only; moe_fp8_check checks the values). Median of %d runs after %d warm-up; 32,768 "
                       "real rows.\n\n"
                       "| GEMM | local experts | MaxVio | N | K | ours (us) | ours TFLOPS | cuBLASLt (us) | cuBLASLt TFLOPS "
                       "| cuBLASLt scale mode | speed-up | DeepGEMM published (FP8, H800) |\n"
                       "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
               device.c_str(), kReps, kWarmup);
  fp8::CublasLtFp8Gemm lt8;
  const std::vector<Kind> kinds = quick ? std::vector<Kind>{Kind::kFprop} : std::vector<Kind>{Kind::kFprop, Kind::kDgrad, Kind::kWgrad};
  for (int experts : quick ? std::vector<int>{32} : std::vector<int>{4, 32})
    for (double v : quick ? std::vector<double>{0.0, 2.0} : std::vector<double>{0.0, 0.5, 2.0})
      for (Kind kind : kinds) {
        bench_fp8(lt8, out, experts, v, kind, 2 * kInter, kHidden);
        bench_fp8(lt8, out, experts, v, kind, kHidden, kInter);
      }
  std::fclose(out.csv), std::fclose(out.md);
  return 0;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  try {
    const trainsim::kernels::DriverArgs cli = trainsim::kernels::parse_driver_args(argc, argv);
    if (cli.positional.size() != 2) {
      std::fprintf(stderr, "usage: moe_fp8_bench [--quick] OUT.csv OUT.md\n");
      return 2;
    }
    return trainsim::kernels::run(cli.positional[0].c_str(), cli.positional[1].c_str(), cli.quick);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_fp8_bench: error: %s\n", e.what());
    return 1;
  }
}
