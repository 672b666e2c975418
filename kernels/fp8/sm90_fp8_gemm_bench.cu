// Benchmark of the FP8 GEMM on DeepSeek-V3's training shapes (deepseek_v3_shapes.h) beside cuBLASLt and
// DeepGEMM's published H800 figures: one line per shape (TFLOPS, GB/s, ratio to cuBLASLt), geometric means,
// and a CSV for calibration. Method (docs/kernel-method.md): warm-up, median of event-timed repeats, rotating input sets.
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/device_info.cuh"
#include "kernels/fp8/cublaslt_fp8_gemm.h"
#include "kernels/fp8/deepseek_v3_shapes.h"
#include "kernels/fp8/device_operands.h"
#include "kernels/fp8/e4m3.h"
#include "kernels/fp8/sm90_fp8_quantize.h"

namespace fp8 = trainsim::kernels::fp8;
using fp8::DeviceBuffer;

namespace {

// Fresh pseudo-normal values on the device (sum of four hashed uniforms, centred): never zeros.
__global__ void fill_random(float* x, size_t n, uint64_t seed, float stddev) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    float sum = 0.0f;
    for (uint32_t j = 0; j < 4; ++j) {
      uint64_t h = (i * 4 + j) ^ seed;
      h ^= h >> 33, h *= 0xff51afd7ed558ccdULL, h ^= h >> 33, h *= 0xc4ceb9fe1a85ec53ULL, h ^= h >> 33;
      sum += static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
    }
    x[i] = (sum - 2.0f) * 1.7320508f * stddev;  // variance of the sum of 4 uniforms is 1/3
  }
}

__global__ void to_bf16(const float* x, __nv_bfloat16* y, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    y[i] = __float2bfloat16(x[i]);
}

DeviceBuffer<float> random_tensor(size_t n, uint64_t seed, float stddev) {
  DeviceBuffer<float> x(n);
  fill_random<<<1024, 256>>>(x.get(), n, seed, stddev);
  TS_CUDA_CHECK_LAUNCH();
  return x;
}

// Spot check on the device operands: a few rows x columns recomputed on the CPU in FP64.
double spot_check_error(const fp8::DeviceOperands& ops, const DeviceBuffer<uint8_t>& d, std::mt19937& pick) {
  const fp8::GemmShape& s = ops.shape;
  const auto a = ops.a.download(), b = ops.b.download();
  const auto sa = ops.a_scales.download(), sb = ops.b_scales.download();
  const auto out = fp8::widen_output(d.download(), true);
  double diff_sq = 0, ref_sq = 0;
  for (int t = 0; t < 64; ++t) {
    const int i = static_cast<int>(pick() % s.m), j = static_cast<int>(pick() % s.n);
    double ref = 0;
    for (int k0 = 0; k0 < s.k; k0 += fp8::kScaleTile) {
      double block = 0;
      for (int k = k0; k < std::min(s.k, k0 + fp8::kScaleTile); ++k)
        block += static_cast<double>(fp8::e4m3_to_float(a[static_cast<size_t>(i) * s.k + k])) *
                 fp8::e4m3_to_float(b[static_cast<size_t>(j) * s.k + k]);
      ref += block * sa[fp8::scale_index(fp8::ScaleTiling::kRow1x128, s.m, s.k, i, k0)] *
             sb[fp8::scale_index(ops.b_tiling, s.n, s.k, j, k0)];
    }
    const double o = out[static_cast<size_t>(i) * s.n + j];
    if (!std::isfinite(o)) return INFINITY;
    diff_sq += (o - ref) * (o - ref);
    ref_sq += ref * ref;
  }
  return std::sqrt(diff_sq / ref_sq);
}

// The two ceilings docs/kernel-method.md asks to measure once: device-to-device copy bandwidth (bytes read + written) and
// the library's best FP8 rate (cuBLASLt, per-tensor scales, 8192^3), written as the CSV's "ceiling" rows.
void measure_ceilings(fp8::CublasLtFp8Gemm& cublaslt, std::ofstream& csv, const std::string& gpu) {
  const size_t bytes = size_t{1} << 30;
  DeviceBuffer<uint8_t> src(bytes), dst(bytes);
  TS_CUDA_CHECK(cudaMemset(src.get(), 1, bytes));
  const double copy_s = fp8::median_seconds(
      [&](int) { TS_CUDA_CHECK(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, nullptr)); }, 2, 10,
      nullptr, 1);
  const double copy_gbps = 2.0 * bytes / copy_s * 1e-9;
  constexpr int kSide = 8192;
  auto x = random_tensor(size_t{kSide} * kSide, 7, 1.0f);
  fp8::DeviceOperands ops = fp8::quantize_training_operands(fp8::GemmKind::kFprop, kSide, kSide, kSide, x.get(), x.get(), nullptr);
  DeviceBuffer<uint8_t> d(size_t{kSide} * kSide * 2);
  auto plan = cublaslt.plan(ops.args(d.get(), fp8::OutputType::kBF16), /*allow_blockwise=*/false);
  const double gemm_s = fp8::median_seconds([&](int) { cublaslt.run(plan, nullptr); }, 3, 10, nullptr);
  cublaslt.release(plan);
  const double gemm_tflops = 2.0 * kSide * kSide * kSide / gemm_s * 1e-12;
  std::printf("ceilings: device copy %.0f GB/s (read + write); cuBLASLt FP8 per-tensor 8192^3 %.0f TFLOPS\n", copy_gbps,
              gemm_tflops);
  csv << '"' << gpu << "\",ceiling,device-copy,,,,," << "memcpy," << copy_s << ",," << copy_gbps << ",,,,,,\n";
  csv << '"' << gpu << "\",ceiling,fp8-gemm-8192,fprop," << kSide << ',' << kSide << ',' << kSide
      << ",cublaslt-per-tensor," << gemm_s << ',' << gemm_tflops << ",,,,,,,\n";
}

// The quantizers on BF16 tensors of the training step (activations 1x128 and their 128x1 re-tiling for Wgrad,
// weights 128x128 with the transposed copy for Dgrad): GB/s counts the BF16 read, the E4M3 and scale writes.
void bench_quantizers(std::ofstream& csv, const std::string& gpu, int repeats) {
  struct Tensor {
    const char* name;
    int rows, cols;
  };
  const Tensor tensors[] = {{"activations 4096x7168", 4096, 7168}, {"activations 4096x18432", 4096, 18432},
                            {"weight 7168x2048", 7168, 2048}, {"weight 36864x7168", 36864, 7168}};
  std::printf("%-24s %-22s %9s %8s\n", "quantize", "tensor", "us", "GB/s");
  for (const Tensor& t : tensors) {
    const size_t n = static_cast<size_t>(t.rows) * t.cols;
    auto x = random_tensor(n, 11, 1.0f);
    DeviceBuffer<__nv_bfloat16> xb(n);
    to_bf16<<<1024, 256>>>(x.get(), xb.get(), n);
    TS_CUDA_CHECK_LAUNCH();
    DeviceBuffer<uint8_t> codes(n), codes_t(n);
    DeviceBuffer<float> scales(static_cast<size_t>(t.rows + t.cols) * fp8::k_blocks(std::max(t.rows, t.cols)));
    DeviceBuffer<float> scales_t(scales.size());
    const fp8::QuantizeInput in{xb.get(), fp8::InputType::kBF16, t.rows, t.cols, false};
    const bool weight = std::strncmp(t.name, "weight", 6) == 0;
    struct Kind {
      const char* name;
      std::function<void()> run;
      double bytes;
    };
    const double scale_bytes = 4.0 * n / fp8::kScaleTile;
    std::vector<Kind> kinds;
    if (weight) {
      kinds.push_back({"blocks 128x128 (+W^T)", [&] { fp8::sm90_fp8_quantize_blocks(in, codes.get(), scales.get(), codes_t.get(), scales_t.get(), nullptr); },
                       2.0 * n + 2.0 * n});
    } else {
      kinds.push_back({"rows 1x128", [&] { fp8::sm90_fp8_quantize_rows(in, codes.get(), scales.get(), nullptr); },
                       2.0 * n + n + scale_bytes});
      kinds.push_back({"rows 128x1 (transposed)", [&] { fp8::sm90_fp8_quantize_rows_transposed(in, codes_t.get(), scales_t.get(), nullptr); },
                       2.0 * n + n + scale_bytes});
    }
    for (const Kind& k : kinds) {
      const double sec = fp8::median_seconds([&](int) { k.run(); }, 3, repeats, nullptr);
      std::printf("%-24s %-22s %9.1f %8.0f\n", k.name, t.name, sec * 1e6, k.bytes / sec * 1e-9);
      csv << '"' << gpu << "\",fp8_quantize,\"" << t.name << "\"," << k.name << ',' << t.rows << ',' << t.cols << ",,bf16,"
          << sec << ",," << k.bytes / sec * 1e-9 << ",,,,,,\n";
    }
  }
}

struct Options {
  std::string csv = "fp8_gemm_bench.csv";
  std::string shapes_csv;  // write the shape list here and stop (read by scaled_mm_peer.py)
  int repeats = 30;
  int sets = 3;            // rotating input sets, so repeats do not run out of L2 (50 MB)
  bool simt = false;       // also time the SIMT baseline (slow)
  bool quick = false;      // only the shapes with DeepGEMM figures
  // Write the next lease's experiments (kernels/fp8/NOTES.md, E1-E3) here instead of the benchmark: timing only.
  std::string experiments_csv;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--csv") o.csv = value();
    else if (arg == "--shapes-csv") o.shapes_csv = value();
    else if (arg == "--repeats") o.repeats = std::stoi(value());
    else if (arg == "--sets") o.sets = std::stoi(value());
    else if (arg == "--simt") o.simt = true;
    else if (arg == "--quick") o.quick = true;
    else if (arg == "--experiments-csv") o.experiments_csv = value();
    else
      throw std::invalid_argument("unknown option " + arg +
                                  " (HINT: --csv F --shapes-csv F --repeats N --sets N --simt --quick --experiments-csv F)");
  }
  return o;
}

double geomean(const std::vector<double>& v) {
  double log_sum = 0;
  for (double x : v) log_sum += std::log(x);
  return v.empty() ? 0 : std::exp(log_sum / static_cast<double>(v.size()));
}

// Training operands of one shape, `sets` input sets rotated, quantized as DeepSeek-V3 quantizes them.
std::vector<fp8::DeviceOperands> operand_sets(const fp8::BenchShape& bs, int sets, std::mt19937& pick) {
  const fp8::GemmShape& s = bs.shape;
  // Layer sizes back from the GEMM shape (training_gemm_shape inverted).
  const int tokens = bs.kind == fp8::GemmKind::kWgrad ? s.k : s.m;
  const int in = bs.kind == fp8::GemmKind::kFprop ? s.k : s.n;
  const int out = bs.kind == fp8::GemmKind::kFprop ? s.n : (bs.kind == fp8::GemmKind::kDgrad ? s.k : s.m);
  std::vector<fp8::DeviceOperands> out_sets;
  for (int set = 0; set < sets; ++set) {
    const int first_cols = bs.kind == fp8::GemmKind::kFprop ? in : out;
    const int second_rows = bs.kind == fp8::GemmKind::kWgrad ? tokens : out;
    const uint64_t seed = pick();
    auto first = random_tensor(static_cast<size_t>(tokens) * first_cols, seed, 1.0f);
    auto second = random_tensor(static_cast<size_t>(second_rows) * in, seed ^ 0x9E3779B97F4A7C15ULL, 0.02f);
    out_sets.push_back(fp8::quantize_training_operands(bs.kind, tokens, in, out, first.get(), second.get(), nullptr));
  }
  return out_sets;
}

// The experiments of kernels/fp8/NOTES.md ("Next GPU lease"), timing only, each beside the plain WGMMA GEMM timed in
// the same process: E1 the K loop without promotion (wgmma-nopromo: no per-block promotion or B-scale load; its
// results are another function, so unchecked); E2 Wgrad with B's scales in 128x128 blocks (what a block-scaled
// Wgrad B could reach); E3 the output written as FP32 (twice the stored bytes: are the stores exposed?). The six
// quick shapes and the expert gate+up Dgrad/Wgrad pair.
int run_experiments(const Options& opt) {
  auto shapes = fp8::deepseek_v3_bench_shapes();
  std::erase_if(shapes, [](const fp8::BenchShape& s) {
    return !s.deepgemm_h800_tflops && !(s.layer == "expert.gate+up (fused)" && s.kind != fp8::GemmKind::kFprop);
  });
  std::printf("device: %s\nexperiments E1-E3 (kernels/fp8/NOTES.md), timing only\n",
              trainsim::kernels::describe(trainsim::kernels::query_device()).c_str());
  std::ofstream csv(opt.experiments_csv + ".tmp");
  csv << "experiment,layer,kind,m,n,k,variant,median_s,tflops,baseline_median_s,time_over_baseline\n";
  std::mt19937 pick(std::random_device{}());
  for (const auto& bs : shapes) {
    const fp8::GemmShape& s = bs.shape;
    const std::vector<fp8::DeviceOperands> sets = operand_sets(bs, opt.sets, pick);
    DeviceBuffer<uint8_t> d(static_cast<size_t>(s.m) * s.n * 4);  // room for FP32 output
    auto time = [&](fp8::GemmVariant v, fp8::OutputType out, bool b_blocks) {
      return fp8::median_seconds(
          [&](int i) {
            fp8::Fp8GemmArgs args = sets[i % opt.sets].args(d.get(), out);
            // Wgrad's B scales are per 1x128 row tile, more of them than 128x128 blocks: the buffer covers both.
            if (b_blocks) args.b_tiling = fp8::ScaleTiling::kBlock128x128;
            fp8::sm90_fp8_gemm(args, v, nullptr);
          },
          3, opt.repeats, nullptr);
    };
    const double base = time(fp8::GemmVariant::kWgmma, fp8::OutputType::kBF16, false);
    auto row = [&](const char* experiment, const char* variant, double t) {
      const double tf = s.flops() / t * 1e-12;
      std::printf("%-3s %-6s %-24.24s %6d %6d %6d %-22s %9.1f us %8.1f TFLOPS  x%.3f of wgmma\n", experiment,
                  std::string(fp8::to_string(bs.kind)).c_str(), bs.layer.c_str(), s.m, s.n, s.k, variant, t * 1e6, tf,
                  t / base);
      csv << experiment << ",\"" << bs.layer << "\"," << fp8::to_string(bs.kind) << ',' << s.m << ',' << s.n << ','
          << s.k << ',' << variant << ',' << t << ',' << tf << ',' << base << ',' << t / base << '\n';
    };
    row("-", "wgmma", base);
    row("E1", "wgmma-nopromo", time(fp8::GemmVariant::kWgmmaNoPromotion, fp8::OutputType::kBF16, false));
    if (bs.kind == fp8::GemmKind::kWgrad)
      row("E2", "wgmma wgrad-b-blocks", time(fp8::GemmVariant::kWgmma, fp8::OutputType::kBF16, true));
    row("E3", "wgmma fp32-out", time(fp8::GemmVariant::kWgmma, fp8::OutputType::kFP32, false));
  }
  csv.close();
  std::rename((opt.experiments_csv + ".tmp").c_str(), opt.experiments_csv.c_str());
  std::printf("wrote %s\n", opt.experiments_csv.c_str());
  return 0;
}

int run(const Options& opt) {
  if (!opt.experiments_csv.empty()) return run_experiments(opt);
  auto shapes = fp8::deepseek_v3_bench_shapes();
  if (opt.quick) std::erase_if(shapes, [](const fp8::BenchShape& s) { return !s.deepgemm_h800_tflops; });
  if (!opt.shapes_csv.empty()) {
    std::ofstream out(opt.shapes_csv);
    out << "layer,kind,m,n,k,b_tiling,deepgemm_h800_tflops\n";
    for (const auto& s : shapes)
      out << '"' << s.layer << "\"," << fp8::to_string(s.kind) << ',' << s.shape.m << ',' << s.shape.n << ','
          << s.shape.k << ',' << (s.kind == fp8::GemmKind::kWgrad ? "1x128" : "128x128") << ','
          << (s.deepgemm_h800_tflops ? std::to_string(static_cast<int>(*s.deepgemm_h800_tflops)) : "") << '\n';
    return 0;
  }
  const auto device = trainsim::kernels::query_device();
  std::printf("device: %s\n", trainsim::kernels::describe(device).c_str());
  std::printf("method: BF16 output; median over %d samples of 10 back-to-back calls timed with events, after 3\n"
              "warm-ups; %d input sets rotated\n", opt.repeats, opt.sets);
  std::ofstream csv(opt.csv + ".tmp");
  csv << "gpu,op,layer,kind,m,n,k,variant,median_s,tflops,gbps,cublaslt_label,cublaslt_median_s,cublaslt_tflops,"
         "ratio_to_cublaslt,deepgemm_h800_tflops,spot_check_rel_l2\n";
  std::printf("%-6s %-24s %6s %6s %6s | %-13s %8s %8s %7s | %8s %8s | %6s | %8s\n", "kind", "layer", "M", "N", "K",
              "variant", "us", "TFLOPS", "GB/s", "cuBLASLt", "TFLOPS", "ratio", "DeepGEMM");
  fp8::CublasLtFp8Gemm cublaslt;
  measure_ceilings(cublaslt, csv, device.name);
  bench_quantizers(csv, device.name, opt.repeats);
  std::mt19937 pick(std::random_device{}());
  std::vector<double> ours_tflops, lt_tflops, ratios;
  std::string lt_labels;
  int failures = 0;
  for (const auto& bs : shapes) {
    const fp8::GemmShape& s = bs.shape;
    const std::vector<fp8::DeviceOperands> sets = operand_sets(bs, opt.sets, pick);
    DeviceBuffer<uint8_t> d(static_cast<size_t>(s.m) * s.n * 2);
    const double flops = s.flops();
    const double bytes = static_cast<double>(s.m) * s.k + static_cast<double>(s.n) * s.k + 2.0 * s.m * s.n;

    // The peer first: same operands, same output type.
    std::vector<fp8::CublasLtFp8Gemm::Plan> lt_plans;
    std::string lt_label;
    double lt_s = NAN, lt_error = NAN;
    try {
      for (const auto& ops : sets) lt_plans.push_back(cublaslt.plan(ops.args(d.get(), fp8::OutputType::kBF16)));
      lt_label = lt_plans[0].label();
      d.poison();
      cublaslt.run(lt_plans[0], nullptr);
      TS_CUDA_CHECK(cudaDeviceSynchronize());
      if (lt_plans[0].scaling == fp8::CublasLtScaling::kBlockwise) lt_error = spot_check_error(sets[0], d, pick);
      lt_s = fp8::median_seconds([&](int i) { cublaslt.run(lt_plans[i % opt.sets], nullptr); }, 3, opt.repeats, nullptr);
      lt_tflops.push_back(flops / lt_s * 1e-12);
    } catch (const std::exception& e) {
      lt_label = std::string("cuBLASLt failed: ") + e.what();
    }
    const double lt_tf = flops / lt_s * 1e-12;
    if (lt_labels.find(lt_label) == std::string::npos) lt_labels += lt_label + "; ";

    std::vector<fp8::GemmVariant> variants{fp8::GemmVariant::kWgmma};
    if (opt.simt) variants.push_back(fp8::GemmVariant::kSimt);
    for (fp8::GemmVariant v : variants) {
      d.poison();
      fp8::sm90_fp8_gemm(sets[0].args(d.get(), fp8::OutputType::kBF16), v, nullptr);
      TS_CUDA_CHECK(cudaDeviceSynchronize());
      const double err = spot_check_error(sets[0], d, pick);
      const bool ok = err < 4e-3;
      failures += !ok;
      const int reps = v == fp8::GemmVariant::kSimt ? 3 : opt.repeats;
      const double t = fp8::median_seconds(
          [&](int i) { fp8::sm90_fp8_gemm(sets[i % opt.sets].args(d.get(), fp8::OutputType::kBF16), v, nullptr); },
          v == fp8::GemmVariant::kSimt ? 1 : 3, reps, nullptr, v == fp8::GemmVariant::kSimt ? 1 : 10);
      const double tf = flops / t * 1e-12, ratio = lt_s / t;
      if (v == fp8::GemmVariant::kWgmma) {
        ours_tflops.push_back(tf);
        if (std::isfinite(ratio)) ratios.push_back(ratio);
      }
      const std::string dg = bs.deepgemm_h800_tflops ? std::to_string(static_cast<int>(*bs.deepgemm_h800_tflops)) : "-";
      std::printf("%-6s %-24.24s %6d %6d %6d | %-13s %8.1f %8.1f %7.0f | %8.1f %8.1f | %6.2f | %8s%s\n",
                  std::string(fp8::to_string(bs.kind)).c_str(), bs.layer.c_str(), s.m, s.n, s.k,
                  std::string(fp8::to_string(v)).c_str(), t * 1e6, tf, bytes / t * 1e-9, lt_s * 1e6, lt_tf, ratio,
                  dg.c_str(), ok ? "" : "  WRONG RESULT");
      csv << '"' << device.name << "\",fp8_gemm,\"" << bs.layer << "\"," << fp8::to_string(bs.kind) << ',' << s.m
          << ',' << s.n << ',' << s.k << ',' << fp8::to_string(v) << ',' << t << ',' << tf << ',' << bytes / t * 1e-9
          << ",\"" << lt_label << "\"," << lt_s << ',' << lt_tf << ',' << ratio << ','
          << (bs.deepgemm_h800_tflops ? std::to_string(static_cast<int>(*bs.deepgemm_h800_tflops)) : "") << ',' << err
          << '\n';
    }
    if (std::isfinite(lt_s) && lt_plans[0].scaling == fp8::CublasLtScaling::kBlockwise && !(lt_error < 4e-3))
      std::printf("       cuBLASLt spot check rel_l2 = %.2e (its layout or scale reading differs from ours)\n", lt_error);
    for (auto& p : lt_plans) cublaslt.release(p);
  }
  std::printf("geometric mean over %zu shapes: wgmma %.1f TFLOPS; cuBLASLt %.1f TFLOPS over %zu; ratio %.3f over %zu\n",
              ours_tflops.size(), geomean(ours_tflops), geomean(lt_tflops), lt_tflops.size(), geomean(ratios),
              ratios.size());
  std::printf("cuBLASLt: %s\n", lt_labels.c_str());
  csv.close();
  std::rename((opt.csv + ".tmp").c_str(), opt.csv.c_str());
  std::printf("wrote %s\n", opt.csv.c_str());
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::printf("trainsim: error: %s\n", e.what());
    return 1;
  }
}
