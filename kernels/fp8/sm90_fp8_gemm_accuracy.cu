// The accuracy experiment of DeepSeek-V3's tech report (section 3.3.2): relative error against FP64 of the
// same quantized inputs, with and without promotion, for K = 512 ... 16384, beside the CPU model of limited
// tensor-core accumulation (gemm_ref.h). Scales are per row over all of K so both variants compute one function.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/device_info.cuh"
#include "kernels/common/random_fill.h"
#include "kernels/fp8/cublaslt_fp8_gemm.h"
#include "kernels/fp8/gemm_ref.h"
#include "kernels/fp8/gpu_harness.cuh"
#include "kernels/common/driver_args.h"

namespace fp8 = trainsim::kernels::fp8;
using fp8::DeviceBuffer;

namespace {

constexpr int kM = 256, kN = 256;  // two WGMMA tiles each way
constexpr int kModelRows = 32;     // the CPU model runs on the first rows only (it is slow)

struct Errors {
  double relative_l2 = 0;    // ||out - ref|| / ||ref||
  double max_over_rms = 0;   // max |out - ref| / rms(ref)
  double max_relative = 0;   // max |out - ref| / |ref| over elements with |ref| >= rms(ref) / 4
  long long non_finite = 0;
};

Errors measure(const std::vector<float>& out, const std::vector<double>& ref, size_t count) {
  Errors e;
  double diff_sq = 0, ref_sq = 0, max_abs = 0;
  for (size_t i = 0; i < count; ++i) ref_sq += ref[i] * ref[i];
  const double rms = std::sqrt(ref_sq / static_cast<double>(count));
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(out[i])) {
      ++e.non_finite;
      continue;
    }
    const double d = std::fabs(out[i] - ref[i]);
    diff_sq += d * d;
    max_abs = std::max(max_abs, d);
    if (std::fabs(ref[i]) >= rms / 4) e.max_relative = std::max(e.max_relative, d / std::fabs(ref[i]));
  }
  e.relative_l2 = std::sqrt(diff_sq / ref_sq);
  e.max_over_rms = max_abs / rms;
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (!fp8::has_cuda_device()) {
    std::printf("SKIP: no CUDA device\n");
    return fp8::kSkipExitCode;
  }
  try {
    const trainsim::kernels::DriverArgs cli = trainsim::kernels::parse_driver_args(argc, argv);
    const std::string csv_path = cli.at(0, "fp8_gemm_accuracy.csv");
    const int max_k = cli.quick ? 4096 : 16384;  // --quick: K = 512 ... 4096
    std::printf("device: %s\n", trainsim::kernels::describe(trainsim::kernels::query_device()).c_str());
    const uint64_t seed = std::random_device{}();
    std::printf("seed: %llu; M = N = %d; inputs N(0,1), E4M3 with one scale per row over all of K\n",
                static_cast<unsigned long long>(seed), kM);
    std::ofstream csv(csv_path + ".tmp");
    csv << "k,variant,rows,relative_l2,max_err_over_rms,max_relative,non_finite\n";
    std::printf("%-6s %-24s %12s %14s %14s\n", "K", "variant", "rel_l2", "max|err|/rms", "max_rel");
    fp8::CublasLtFp8Gemm cublaslt;
    int failures = 0;
    for (int k = 512; k <= max_k; k *= 2) {
      std::vector<float> a(static_cast<size_t>(kM) * k), b(static_cast<size_t>(kN) * k);
      trainsim::kernels::fill_normal(a, seed + k, 1.0f);
      trainsim::kernels::fill_normal(b, seed + k + 1, 1.0f);
      const auto qa = fp8::quantize_ref(a, kM, k, fp8::ScaleTiling::kRowWhole);
      const auto qb = fp8::quantize_ref(b, kN, k, fp8::ScaleTiling::kRowWhole);
      const auto ref = fp8::gemm_ref(qa, qb);
      fp8::DeviceQuantized da(qa), db(qb);
      DeviceBuffer<float> d(static_cast<size_t>(kM) * kN);
      const fp8::Fp8GemmArgs args{kM, kN, k, da.codes.get(), da.scales.get(), db.codes.get(), db.scales.get(),
                                  fp8::ScaleTiling::kRow1x128, d.get(), fp8::OutputType::kFP32};
      auto emit = [&](const std::string& variant, const std::vector<float>& out, size_t count) {
        const Errors e = measure(out, ref, count);
        failures += e.non_finite != 0;
        std::printf("%-6d %-24s %12.3e %14.3e %14.3e%s\n", k, variant.c_str(), e.relative_l2, e.max_over_rms,
                    e.max_relative, e.non_finite ? "  NON-FINITE" : "");
        csv << k << ',' << variant << ',' << count / kN << ',' << e.relative_l2 << ',' << e.max_over_rms << ','
            << e.max_relative << ',' << e.non_finite << '\n';
      };
      for (fp8::GemmVariant v : {fp8::GemmVariant::kWgmma, fp8::GemmVariant::kWgmmaNoPromotion, fp8::GemmVariant::kSimt}) {
        d.poison();
        fp8::sm90_fp8_gemm(args, v, nullptr);
        TS_CUDA_CHECK(cudaDeviceSynchronize());
        emit(std::string(fp8::to_string(v)), d.download(), ref.size());
      }
      try {
        auto plan = cublaslt.plan(args);
        d.poison();
        cublaslt.run(plan, nullptr);
        TS_CUDA_CHECK(cudaDeviceSynchronize());
        if (plan.scaling == fp8::CublasLtScaling::kBlockwise) emit("cublaslt-blockwise", d.download(), ref.size());
        cublaslt.release(plan);
      } catch (const std::runtime_error& e) {
        std::printf("%-6d cuBLASLt did not run: %s\n", k, e.what());
      }
      // The model on the first rows: same inputs, same order of promotion.
      fp8::QuantizedMatrix qa_rows = qa;
      qa_rows.rows = kModelRows;
      qa_rows.codes.resize(static_cast<size_t>(kModelRows) * k);
      qa_rows.scales.assign(fp8::scale_count(fp8::ScaleTiling::kRow1x128, kModelRows, k), 0.0f);
      for (int r = 0; r < kModelRows; ++r)
        for (int c = 0; c < k; c += fp8::kScaleTile)
          qa_rows.scales[fp8::scale_index(fp8::ScaleTiling::kRow1x128, kModelRows, k, r, c)] = qa.scale(r, c);
      for (bool promote : {true, false})
        emit(promote ? "model-promote" : "model-nopromo",
             fp8::gemm_tensor_core_model(qa_rows, qb, fp8::TensorCoreAccumulation{}, promote),
             static_cast<size_t>(kModelRows) * kN);
    }
    csv.close();
    std::rename((csv_path + ".tmp").c_str(), csv_path.c_str());
    std::printf("wrote %s\n", csv_path.c_str());
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::printf("trainsim: error: %s\n", e.what());
    return 1;
  }
}
