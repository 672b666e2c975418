// Check of every FP8 GEMM variant and of the cuBLASLt peer against the FP64 CPU reference: fresh random
// layer tensors each run (seed printed), quantized on the GPU, ragged M/N/K, poisoned outputs, relative error.
// Large DeepSeek-V3 shapes are checked on sampled rows. No GoogleTest: it runs on the GPU machine alone.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/device_info.cuh"
#include "kernels/common/error_metrics.h"
#include "kernels/common/random_fill.h"
#include "kernels/fp8/cublaslt_fp8_gemm.h"
#include "kernels/fp8/device_operands.h"
#include "kernels/fp8/gemm_ref.h"
#include "kernels/common/driver_args.h"

namespace fp8 = trainsim::kernels::fp8;
using fp8::DeviceBuffer;

namespace {

struct Case {
  fp8::GemmKind kind;
  int tokens, in, out;
  fp8::OutputType out_type;
  int sampled_rows;  // 0: check every row
};

int failures = 0;
int peer_mismatches = 0;  // cuBLASLt disagreeing with the reference: reported, not our kernels' failure

fp8::QuantizedMatrix select_rows(const fp8::QuantizedMatrix& q, const std::vector<int>& rows) {
  fp8::QuantizedMatrix s;
  s.rows = static_cast<int>(rows.size());
  s.cols = q.cols;
  s.tiling = fp8::ScaleTiling::kRow1x128;
  s.codes.resize(static_cast<size_t>(s.rows) * s.cols);
  s.scales.assign(fp8::scale_count(s.tiling, s.rows, s.cols), 0.0f);
  for (int i = 0; i < s.rows; ++i)
    for (int c = 0; c < s.cols; ++c) {
      s.codes[static_cast<size_t>(i) * s.cols + c] = q.codes[static_cast<size_t>(rows[i]) * q.cols + c];
      if (c % fp8::kScaleTile == 0) s.scales[fp8::scale_index(s.tiling, s.rows, s.cols, i, c)] = q.scale(rows[i], c);
    }
  return s;
}

fp8::QuantizedMatrix with_unit_scales(fp8::QuantizedMatrix q) {
  for (float& s : q.scales) s = 1.0f;
  return q;
}

double tolerance(fp8::OutputType type, const std::string& who) {
  if (type == fp8::OutputType::kBF16) return 4e-3;  // BF16 rounding: 2^-9 relative per element
  return who == "simt" ? 1e-5 : 1e-3;               // tensor-core partial sums keep ~14 bits (docs/sources.md#fp8)
}

void report(const Case& c, const fp8::GemmShape& s, const std::string& who, const std::vector<float>& out,
            const std::vector<double>& ref, bool peer = false) {
  double ref_sq = 0;
  for (double r : ref) ref_sq += r * r;
  const double rms = std::sqrt(ref_sq / static_cast<double>(ref.size()));
  const auto m = trainsim::kernels::compare(out, ref, 0.01 * rms);  // max_rel over elements above 1% of the RMS
  const double limit = tolerance(c.out_type, who);
  const bool ok = m.non_finite == 0 && m.relative_l2 < limit;
  (peer ? peer_mismatches : failures) += !ok;
  std::printf("%-4s %-5s m=%-5d n=%-5d k=%-5d %-4s %-32.32s rel_l2=%.2e max_rel=%.2e non_finite=%lld (limit %.0e)%s\n",
              ok ? "PASS" : (peer ? "PEER" : "FAIL"), std::string(fp8::to_string(c.kind)).c_str(), s.m, s.n, s.k,
              std::string(fp8::to_string(c.out_type)).c_str(), who.c_str(), m.relative_l2, m.max_relative,
              m.non_finite, limit, c.sampled_rows ? " [sampled rows]" : "");
}

void check_case(const Case& c, uint64_t seed, fp8::CublasLtFp8Gemm& cublaslt) {
  // Layer tensors at training-like magnitudes: activations ~1, weights ~0.02, output gradients ~1e-3.
  const int first_cols = c.kind == fp8::GemmKind::kFprop ? c.in : c.out;
  const int second_rows = c.kind == fp8::GemmKind::kWgrad ? c.tokens : c.out;
  std::vector<float> first(static_cast<size_t>(c.tokens) * first_cols), second(static_cast<size_t>(second_rows) * c.in);
  trainsim::kernels::fill_normal(first, seed, c.kind == fp8::GemmKind::kFprop ? 1.0f : 1e-3f);
  trainsim::kernels::fill_normal(second, seed + 1, c.kind == fp8::GemmKind::kWgrad ? 1.0f : 0.02f);
  DeviceBuffer<float> first_d(first), second_d(second);
  const auto ops = fp8::quantize_training_operands(c.kind, c.tokens, c.in, c.out, first_d.get(), second_d.get(), nullptr);
  const fp8::GemmShape s = ops.shape;

  const auto host = fp8::make_training_operands(c.kind, c.tokens, c.in, c.out, first, second);
  std::vector<int> rows;
  if (c.sampled_rows == 0) {
    for (int r = 0; r < s.m; ++r) rows.push_back(r);
  } else {
    std::mt19937 pick(static_cast<unsigned>(seed));
    for (int i = 0; i < c.sampled_rows; ++i) rows.push_back(static_cast<int>(pick() % s.m));
    rows.back() = s.m - 1;  // the last (possibly ragged) tile
  }
  const auto a_rows = select_rows(host.a, rows);
  const auto ref = fp8::gemm_ref(a_rows, host.b);
  const auto ref_unit = fp8::gemm_ref(with_unit_scales(a_rows), with_unit_scales(host.b));

  const bool bf16 = c.out_type == fp8::OutputType::kBF16;
  DeviceBuffer<uint8_t> d(static_cast<size_t>(s.m) * s.n * (bf16 ? 2 : 4));
  auto pick_rows = [&](const std::vector<float>& all) {
    std::vector<float> out;
    for (int r : rows) out.insert(out.end(), all.begin() + static_cast<long>(r) * s.n, all.begin() + static_cast<long>(r + 1) * s.n);
    return out;
  };
  for (fp8::GemmVariant v : {fp8::GemmVariant::kSimt, fp8::GemmVariant::kWgmma}) {
    d.poison();
    fp8::sm90_fp8_gemm(ops.args(d.get(), c.out_type), v, nullptr);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    report(c, s, std::string(fp8::to_string(v)), pick_rows(fp8::widen_output(d.download(), bf16)), ref);
  }
  try {
    auto plan = cublaslt.plan(ops.args(d.get(), c.out_type));
    d.poison();
    cublaslt.run(plan, nullptr);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    const bool blockwise = plan.scaling == fp8::CublasLtScaling::kBlockwise;
    report(c, s, plan.label(), pick_rows(fp8::widen_output(d.download(), bf16)), blockwise ? ref : ref_unit, true);
    if (!blockwise) std::printf("     cuBLASLt refused block scaling: %s\n", plan.refusal.c_str());
    cublaslt.release(plan);
  } catch (const std::runtime_error& e) {
    ++peer_mismatches;
    std::printf("PEER %-5s m=%-5d n=%-5d k=%-5d cuBLASLt did not run: %s\n", std::string(fp8::to_string(c.kind)).c_str(),
                s.m, s.n, s.k, e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!fp8::has_cuda_device()) {
    std::printf("SKIP: no CUDA device\n");
    return fp8::kSkipExitCode;
  }
  try {
    const bool quick = trainsim::kernels::parse_driver_args(argc, argv).quick;
    std::printf("device: %s\n", trainsim::kernels::describe(trainsim::kernels::query_device()).c_str());
    const uint64_t seed = std::random_device{}();
    std::printf("seed: %llu\n", static_cast<unsigned long long>(seed));
    using K = fp8::GemmKind;
    using O = fp8::OutputType;
    const Case cases[] = {
        {K::kFprop, 333, 1024, 576, O::kBF16, 0},   // ragged M, N not a multiple of 128
        {K::kFprop, 333, 1024, 576, O::kFP32, 0},
        {K::kDgrad, 257, 1536, 576, O::kBF16, 0},   // K = 576: a half scale block at the end
        {K::kDgrad, 257, 1536, 576, O::kFP32, 0},
        {K::kWgrad, 1040, 512, 576, O::kBF16, 0},   // K = tokens = 1040, ragged
        {K::kWgrad, 1040, 512, 576, O::kFP32, 0},
        {K::kFprop, 4096, 7168, 2112, O::kBF16, 16},  // DeepSeek-V3 fused q_a/kv_a, sampled rows
        {K::kDgrad, 4096, 7168, 2112, O::kBF16, 16},
        {K::kWgrad, 4096, 2048, 7168, O::kBF16, 16},  // expert down projection's weight gradient
    };
    fp8::CublasLtFp8Gemm cublaslt;
    uint64_t case_seed = seed;
    // --quick: the six ragged cases and the first DeepSeek-V3 shape.
    const size_t count = quick ? 7 : std::size(cases);
    for (size_t i = 0; i < count; ++i) check_case(cases[i], case_seed += 2, cublaslt);
    std::printf("%s: %d failure(s) of our kernels; %d cuBLASLt result(s) off the reference (PEER lines)\n",
                failures ? "FAIL" : "PASS", failures, peer_mismatches);
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::printf("trainsim: error: %s\n", e.what());
    return 1;
  }
}
