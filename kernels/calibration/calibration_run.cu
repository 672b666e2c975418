// calibration_run: times every call of a flattened calibration plan (calibration_call.h) with the project's
// kernels, one family each (kernels/CALIBRATION.md), and writes a CSV row per call as soon as it is timed, so a
// run cut short keeps every call it finished. Usage: calibration_run [--quick] [--fastest] [--isolated] CALLS.txt
// TIMES.csv [MODEL_CONFIG.json]
// MODEL_CONFIG.json (a reduced DeepSeek-V3's config, kernels/model/configs/): a memory-bound call is timed with the
// model's own device kernels where its CUDA back-end has them (device_memory_ops.h), as the back-end issues them,
// not as a copy of its bytes; the prices of the model's validation then come from the kernels its step runs.
// --fastest also times each call's peers here (cuBLASLt's FP8 GEMM beside ours) and keeps the faster, named in the
// row: the prices of a planning calibration, where the kernels a run would use are the fastest at hand; without it
// every call is the project's own kernel, as the reduced model runs them (its validation's prices).
// NOTE: no kernel here can be held to fewer SMs than the GPU has yet (the WGMMA GEMM and MLA attention launch a
// CTA per tile, and cuBLASLt's SM-count target is not set), so calls at fewer SMs are skipped, never timed at
// the full count under the plan's SM count.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/calibration/calibration_call.h"
#include "kernels/calibration/calibration_times.h"
#include "kernels/calibration/device_memory_ops.h"
#include "kernels/calibration/gpu_kernel_choice.h"
#include "kernels/common/driver_args.h"
#include "kernels/common/gpu_timing.cuh"
#include "kernels/fp8/cublaslt_fp8_gemm.h"
#include "kernels/fp8/fp8_scaling.h"
#include "kernels/fp8/sm90_fp8_gemm.h"
#include "kernels/fp8/sm90_fp8_quantize.h"
#include "kernels/mla/sm90_bf16_mla_attention.cuh"
#include "kernels/mla/sm90_bf16_mla_projections.cuh"
#include "kernels/model/model_config.h"
#include "kernels/moe/grouped_fp8_ref.h"
#include "kernels/moe/moe_bench_harness.cuh"
#include "kernels/moe/routing_rule.h"
#include "kernels/moe/sm90_bf16_permute.h"
#include "kernels/moe/sm90_fp32_router.h"
#include "kernels/moe/sm90_fp8_grouped_gemm.h"

namespace trainsim::kernels {
namespace {

using moe_harness::bf16;


// The device memory of one call, freed when the call is done.
class Scratch {
 public:
  template <typename T>
  T* get(std::size_t count) {
    T* p = moe_harness::device_alloc<T>(count);
    owned_.push_back(p);
    return p;
  }
  bf16* bf16_values(std::size_t count) {
    bf16* p = get<bf16>(count);
    moe_harness::fill_bf16(p, count, ++seed_, 1.0f);
    return p;
  }
  uint8_t* fp8_codes(std::size_t count) {
    auto* p = get<__nv_fp8_storage_t>(count);
    moe_harness::fill_fp8_kernel<<<1024, 256>>>(p, count, ++seed_);
    TS_CUDA_CHECK_LAUNCH();
    return p;
  }
  float* ones(std::size_t count) {  // scales of 1: the GEMMs' time does not depend on them
    float* p = get<float>(count);
    moe_harness::fill_ones_kernel<<<1024, 256>>>(p, count);
    TS_CUDA_CHECK_LAUNCH();
    return p;
  }
  ~Scratch() {
    for (void* p : owned_) cudaFree(p);
  }

 private:
  std::vector<void*> owned_;
  uint64_t seed_ = 0;
};

struct Timed {
  std::function<void(int)> run;
  std::string kernel;
  // Where `run` is several GEMM calls of their own, one per group (one_call_per_group), each of them: --isolated times
  // each alone, as the reduced model's CUDA back-end times its calls, and sums them.
  std::vector<std::function<void()>> group_calls;
  // A memory-bound call of the model's kernels: its calls (group_calls) are one op's, per expert, or several ops'
  // (a call standing for distinct ops), so the time is one point's, over ops_per_run (their mean).
  bool one_point = false;
  int ops_per_run = 1;

  int kernel_calls() const { return group_calls.empty() || one_point ? 1 : static_cast<int>(group_calls.size()); }
};

// A grouped GEMM run as one GEMM call per group, `calls` one after another; one call is a dense GEMM's.
Timed one_call_per_group(std::vector<std::function<void()>> calls, const std::string& kernel) {
  if (calls.size() == 1) return {[call = calls.front()](int) { call(); }, kernel, {}};
  return {[calls](int) {
            for (const std::function<void()>& call : calls) call();
          },
          kernel + " x " + std::to_string(calls.size()) + " groups", calls};
}

std::size_t sz(std::int64_t x) { return static_cast<std::size_t>(x); }

// Fprop and Dgrad: A 1x128, B 128x128 scales, BF16 out; Wgrad (pass W): both 1x128 along K, FP32 out (training_gemm.h).
fp8::Fp8GemmArgs dense_fp8_args(const CalibrationCall& c, Scratch& s) {
  const bool wgrad = c.pass == "W";
  const int m = shape_int(c.m, "m"), n = shape_int(c.n, "n"), k = shape_int(c.k, "k");
  const fp8::ScaleTiling b_tiling = wgrad ? fp8::ScaleTiling::kRow1x128 : fp8::ScaleTiling::kBlock128x128;
  return {m, n, k, s.fp8_codes(sz(c.m) * sz(c.k)), s.ones(fp8::scale_count(fp8::ScaleTiling::kRow1x128, m, k)),
          s.fp8_codes(sz(c.n) * sz(c.k)), s.ones(fp8::scale_count(b_tiling, n, k)), b_tiling,
          s.get<char>(sz(c.m) * sz(c.n) * (wgrad ? 4 : 2)), wgrad ? fp8::OutputType::kFP32 : fp8::OutputType::kBF16};
}

Timed fp8_gemm(const CalibrationCall& c, Scratch& s) {
  const fp8::Fp8GemmArgs args = dense_fp8_args(c, s);
  fp8::validate(args, fp8::GemmVariant::kWgmma);
  return {[args](int) { fp8::sm90_fp8_gemm(args, fp8::GemmVariant::kWgmma, nullptr); }, "sm90_fp8_gemm wgmma"};
}

// A grouped FP8 GEMM as the reduced model's CUDA back-end runs its experts (--isolated): one dense sm90_fp8_gemm
// call per group, each with operands of its own, m rows each (the plan's equal groups).
Timed fp8_gemm_per_group(const CalibrationCall& c, Scratch& s) {
  const int groups = shape_int(c.groups, "groups");
  std::vector<std::function<void()>> calls;
  for (int g = 0; g < groups; ++g) {
    const fp8::Fp8GemmArgs args = dense_fp8_args(c, s);
    fp8::validate(args, fp8::GemmVariant::kWgmma);
    calls.emplace_back([args] { fp8::sm90_fp8_gemm(args, fp8::GemmVariant::kWgmma, nullptr); });
  }
  return one_call_per_group(std::move(calls), "sm90_fp8_gemm wgmma");
}

// cuBLASLt's FP8 GEMMs (kernels/fp8's peer: block-scaled where accepted, else per-tensor, labelled), one plan per
// problem, released with it.
struct CublasLtPlans {
  fp8::CublasLtFp8Gemm gemm;
  std::vector<fp8::CublasLtFp8Gemm::Plan> plans;
  ~CublasLtPlans() {
    for (fp8::CublasLtFp8Gemm::Plan& p : plans) gemm.release(p);
  }
};

// The peer of an FP8 call for --fastest: cuBLASLt on `groups` problems of the call's size, each with operands of its
// own (for a grouped call, the loop of per-expert GEMMs kernels/moe's benchmark runs, on each group's real rows; for
// a dense call, one).
Timed cublaslt_fp8(const CalibrationCall& c, int groups, Scratch& s) {
  auto peer = std::make_shared<CublasLtPlans>();
  for (int g = 0; g < groups; ++g) peer->plans.push_back(peer->gemm.plan(dense_fp8_args(c, s)));
  std::vector<std::function<void()>> calls;
  for (std::size_t g = 0; g < peer->plans.size(); ++g)
    calls.emplace_back([peer, g] { peer->gemm.run(peer->plans[g], nullptr); });
  return one_call_per_group(std::move(calls), peer->plans.front().label());
}

// Equal groups of rows at the choice's offsets (each padded to the 128-row alignment the permuted layout gives
// them). Pass F: m rows per group, n x k weights; pass W: dW_e [m x n] over the k rows of each group.
Timed fp8_grouped_gemm(const CalibrationCall& c, const GpuKernelChoice& choice, Scratch& s) {
  const bool wgrad = c.pass == "W";
  const int groups = shape_int(c.groups, "groups");
  const std::vector<int>& offsets = choice.offsets;
  const int rows = offsets.back();
  if (!wgrad) {
    const int n = shape_int(c.n, "n"), k = shape_int(c.k, "k");
    const Fp8Grouped x{s.fp8_codes(sz(rows) * k), s.ones(grouped_row_scale_count(rows, k))};
    const Fp8Grouped w{s.fp8_codes(sz(groups) * n * k), s.ones(expert_weight_scale_count(groups, n, k))};
    bf16* y = s.get<bf16>(sz(rows) * n);
    return {[=](int) { sm90_fp8_grouped_gemm_fprop(offsets, n, k, x, w, y, fp8::GemmVariant::kWgmma, nullptr); },
            "sm90_fp8_grouped_gemm fprop wgmma"};
  }
  const int out = shape_int(c.m, "m"), in = shape_int(c.n, "n");
  const Fp8Grouped dyt{s.fp8_codes(sz(rows) * out), s.ones(grouped_transposed_scale_count(rows, out))};
  const Fp8Grouped xt{s.fp8_codes(sz(rows) * in), s.ones(grouped_transposed_scale_count(rows, in))};
  float* dw = s.get<float>(sz(groups) * out * in);
  return {[=](int) { sm90_fp8_grouped_gemm_wgrad(offsets, out, in, dyt, xt, dw, fp8::GemmVariant::kWgmma, nullptr); },
          "sm90_fp8_grouped_gemm wgrad wgmma"};
}

// cuBLASLt BF16 GEMMs of m x n x k: one for a GEMM; for a grouped GEMM, one call per group, as the reduced model's
// CUDA back-end runs its experts, each group its own weights (no group reads another's from L2), m rows each (the
// plan's equal groups).
Timed bf16_gemms(const CalibrationCall& c, int groups, Scratch& s) {
  const int m = shape_int(c.m, "m"), n = shape_int(c.n, "n"), k = shape_int(c.k, "k");
  std::vector<std::shared_ptr<MlaLinear>> linears;
  std::vector<const bf16*> xs;
  std::vector<bf16*> ys;
  for (int g = 0; g < groups; ++g) {
    linears.push_back(make_cublaslt_bf16_linear(s.bf16_values(sz(c.n) * sz(c.k)), n, k));
    xs.push_back(s.bf16_values(sz(c.m) * sz(c.k)));
    ys.push_back(s.get<bf16>(sz(c.m) * sz(c.n)));
  }
  std::vector<std::function<void()>> calls;
  for (int g = 0; g < groups; ++g)
    calls.emplace_back([=] { linears[sz(g)]->forward(xs[sz(g)], ys[sz(g)], m, nullptr); });
  return one_call_per_group(std::move(calls), linears[0]->name());
}

// Causal self-attention over `batch` sequences of seq_q tokens (the choice's offsets), the version 2 (mma.sync)
// kernels.
Timed attention(const CalibrationCall& c, const GpuKernelChoice& choice, Scratch& s, bool backward) {
  const int batch = shape_int(c.batch, "batch"), seq = shape_int(c.seq_q, "seq_q");
  const std::vector<int>& cu = choice.offsets;
  int* cu_device = s.get<int>(cu.size());
  TS_CUDA_CHECK(cudaMemcpy(cu_device, cu.data(), cu.size() * sizeof(int), cudaMemcpyHostToDevice));
  const AttentionDeviceArgs args{cu_device, batch, seq, cu.back(), shape_int(c.heads, "heads"),
                                 shape_int(c.head_dim, "head_dim"), shape_int(c.value_dim, "value_dim"), 0};
  const std::size_t rows = sz(cu.back()) * sz(c.heads);
  const bf16 *q = s.bf16_values(rows * sz(c.head_dim)), *k = s.bf16_values(rows * sz(c.head_dim));
  const bf16* v = s.bf16_values(rows * sz(c.value_dim));
  bf16* o = s.get<bf16>(rows * sz(c.value_dim));
  float* lse = s.get<float>(rows);
  const AttentionKernel kernel = kModelAttentionKernel;
  if (!backward) return {[=](int) { mla_attention_forward(args, q, k, v, o, lse, nullptr, kernel); }, "mla attention forward v2"};
  mla_attention_forward(args, q, k, v, o, lse, nullptr, kernel);  // the O and log-sum-exp the backward reads
  const bf16* d_o = s.bf16_values(rows * sz(c.value_dim));
  float* delta = s.get<float>(rows);
  bf16 *dq = s.get<bf16>(rows * sz(c.head_dim)), *dk = s.get<bf16>(rows * sz(c.head_dim));
  bf16* dv = s.get<bf16>(rows * sz(c.value_dim));
  return {[=](int) { mla_attention_backward(args, q, k, v, o, lse, d_o, delta, dq, dk, dv, nullptr, kernel); },
          "mla attention backward v2"};
}

Timed quantize(const GpuKernelChoice& q, Scratch& s) {
  const fp8::QuantizeInput in{s.bf16_values(sz(q.rows) * q.cols), fp8::InputType::kBF16, q.rows, q.cols, false};
  uint8_t* codes = s.get<uint8_t>(sz(q.rows) * q.cols);
  float* scales = s.get<float>(fp8::scale_count(fp8::ScaleTiling::kRow1x128, q.rows, q.cols));
  return {[=](int) { fp8::sm90_fp8_quantize_rows(in, codes, scales, nullptr); }, "sm90_fp8_quantize rows"};
}

__global__ void fill_logits_kernel(float* out, std::size_t n) {
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n; i += std::size_t(gridDim.x) * blockDim.x)
    out[i] = static_cast<float>((i * 2654435761u) % 1000u) * 1e-3f - 0.5f;  // distinct scores: no ties to break
}

Timed router(const GpuKernelChoice& r, Scratch& s) {
  const std::size_t count = sz(r.rows) * sz(kDeepSeekV3Routing.num_experts);
  float* logits = s.get<float>(count);
  fill_logits_kernel<<<1024, 256>>>(logits, count);
  TS_CUDA_CHECK_LAUNCH();
  const std::size_t selected = sz(r.rows) * kDeepSeekV3Routing.top_k;
  int* ids = s.get<int>(selected);
  float* gates = s.get<float>(selected);
  const int t = r.rows;
  return {[=](int) { launch_sm90_fp32_router(kDeepSeekV3Routing, logits, nullptr, t, ids, gates, nullptr); },
          "sm90_fp32_router deepseek-v3"};
}

// Tokens routed uniformly at random to DeepSeek-V3's 256 experts, top 8; the layout planned once, the gather timed.
Timed permute(const GpuKernelChoice& p, Scratch& s) {
  constexpr int kTopK = kDeepSeekV3Routing.top_k, kExperts = kDeepSeekV3Routing.num_experts;
  const int hidden = p.cols, tokens = p.rows / kTopK;
  std::vector<int> ids(sz(p.rows));
  uint64_t z = 2026;
  for (int t = 0; t < tokens; ++t)
    for (int j = 0; j < kTopK; ++j) {  // distinct experts per token
      z = z * 6364136223846793005ull + 1442695040888963407ull;
      ids[sz(t) * kTopK + j] = static_cast<int>((z >> 33) % (kExperts / kTopK)) * kTopK + j;
    }
  int* ids_device = s.get<int>(ids.size());
  TS_CUDA_CHECK(cudaMemcpy(ids_device, ids.data(), ids.size() * sizeof(int), cudaMemcpyHostToDevice));
  DeviceExpertLayout layout{kExperts, kTopK, 128, tokens};
  layout.chunk_counts = s.get<int>(sz(kExperts) * layout_chunks(tokens, kTopK));
  layout.counts = s.get<int>(kExperts);
  layout.offsets = s.get<int>(kExperts + 1);
  layout.row_of = s.get<int>(ids.size());
  const std::size_t max_rows = max_layout_rows(tokens, kTopK, kExperts, 128);
  layout.slot_of = s.get<int>(max_rows);
  launch_sm90_plan_layout(ids_device, layout, nullptr);
  const bf16* x = s.bf16_values(sz(tokens) * hidden);
  bf16* out = s.get<bf16>(max_rows * hidden);
  return {[=](int) { launch_sm90_bf16_permute(layout, x, hidden, out, nullptr); }, "sm90_bf16_permute"};
}

// Norms, element-wise ops, embeddings: a device-to-device copy moving the op's bytes (half read, half written).
// Also the stand-in for a memory-bound op whose own kernel cannot take its bytes (GpuKernelChoice::stand_in).
Timed copy(const CalibrationCall& c, const std::string& stand_in, Scratch& s) {
  const std::size_t half = sz(c.bytes) / 2;
  const char* src = s.get<char>(half);
  char* dst = s.get<char>(half);
  return {[=](int) { TS_CUDA_CHECK(cudaMemcpyAsync(dst, src, half, cudaMemcpyDeviceToDevice, nullptr)); },
          stand_in.empty() ? "cudaMemcpyAsync device to device"
                           : "cudaMemcpyAsync device to device (standing in: " + stand_in + ")"};
}

// The reduced model's memory-bound kernels for the call's ops (device_memory_ops.h), each distinct op once, the
// call's time their mean; nullopt where none of its ops has a kernel in the model's CUDA back-end.
std::optional<Timed> model_memory_ops(const CalibrationCall& c, const model::ModelConfig& config) {
  if (c.family != "memory_bound") return std::nullopt;
  std::vector<DeviceMemoryOp> ops;
  for (const std::string& name : c.ops)
    if (std::optional<DeviceMemoryOp> op = device_memory_op(c, name, config)) {
      const bool seen =
          std::any_of(ops.begin(), ops.end(), [&](const DeviceMemoryOp& o) { return o.kernel == op->kernel; });
      if (!seen && !op->calls.empty()) ops.push_back(std::move(*op));
    }
  if (ops.empty()) return std::nullopt;
  Timed t;
  t.one_point = true;
  t.ops_per_run = static_cast<int>(ops.size());
  for (DeviceMemoryOp& op : ops) {
    t.kernel += (t.kernel.empty() ? "" : " + ") + op.kernel +
                (op.calls.size() > 1 ? " x " + std::to_string(op.calls.size()) + " calls" : "");
    for (std::function<void()>& call : op.calls) t.group_calls.push_back(std::move(call));
  }
  if (ops.size() > 1) t.kernel = "mean of " + t.kernel;
  t.run = [calls = t.group_calls](int) {
    for (const std::function<void()>& call : calls) call();
  };
  return t;
}

// The project's kernel for the call; `as_the_model_runs` (--isolated): a grouped FP8 GEMM as the reduced model's
// CUDA back-end runs it, a dense GEMM per expert, not kernels/moe's grouped kernel (its BF16 one runs so always).
Timed prepare(const CalibrationCall& c, const GpuKernelChoice& choice, Scratch& s, bool as_the_model_runs) {
  switch (choice.kernel) {
    case GpuKernel::kFp8Gemm: return fp8_gemm(c, s);
    case GpuKernel::kFp8GroupedGemm:
      return as_the_model_runs ? fp8_gemm_per_group(c, s) : fp8_grouped_gemm(c, choice, s);
    case GpuKernel::kBf16Gemm: return bf16_gemms(c, 1, s);
    case GpuKernel::kBf16GemmPerGroup: return bf16_gemms(c, shape_int(c.groups, "groups"), s);
    case GpuKernel::kAttentionForward: return attention(c, choice, s, false);
    case GpuKernel::kAttentionBackward: return attention(c, choice, s, true);
    case GpuKernel::kQuantizeRows: return quantize(choice, s);
    case GpuKernel::kRouter: return router(choice, s);
    case GpuKernel::kPermute: return permute(choice, s);
    case GpuKernel::kCopy: return copy(c, choice.stand_in, s);
  }
  throw std::logic_error("calibration_run: a kernel choice without a kernel");
}

// --fastest: the peers that may beat the project's kernel on the call (none where the project's kernel is the only
// one here: attention's peers are PyTorch's, timed by attention_peer.py).
std::vector<Timed> peers(const CalibrationCall& c, const GpuKernelChoice& choice, Scratch& s) {
  if (choice.kernel == GpuKernel::kFp8Gemm) return {cublaslt_fp8(c, 1, s)};
  if (choice.kernel == GpuKernel::kFp8GroupedGemm) return {cublaslt_fp8(c, shape_int(c.groups, "groups"), s)};
  return {};
}

int run(const DriverArgs& cli) {
  if (cli.positional.size() != 2 && cli.positional.size() != 3)
    throw std::invalid_argument(
        "usage: calibration_run [--quick] [--fastest] [--isolated] CALLS.txt TIMES.csv [MODEL_CONFIG.json]");
  const bool fastest = cli.has("--fastest"), isolated = cli.has("--isolated");
  std::optional<model::ModelConfig> config;
  if (cli.positional.size() == 3) config = model::load_model_config(cli.positional[2]);
  std::ifstream in(cli.positional[0]);
  if (!in) throw std::runtime_error("cannot read " + cli.positional[0]);
  const std::vector<CalibrationCall> calls = read_calibration_calls(in);
  cudaDeviceProp prop{};
  TS_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  int runtime = 0;
  TS_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  CalibrationTimes out(cli.positional[1], prop.name, prop.multiProcessorCount, std::to_string(runtime));
  // Warm-up, then the median of samples of back-to-back calls (gpu_timing.cuh); --quick: fewer samples. --isolated:
  // samples of one call each, as the reduced model's CUDA back-end times its calls (cuda_backend.cu's start_kernels),
  // a grouped GEMM's groups one call each, a grouped FP8 GEMM as dense FP8 GEMMs (the back-end runs an expert a
  // call).
  // A lone call's interval holds its kernel's start and drain: about 1 us more than back to back for a small
  // cuBLASLt GEMM on the 2026-12-04 H200 (4.9 against 4.0 us; kernels/model/NOTES.md).
  const int warmup = 2, samples = cli.quick ? 3 : 5, batch = isolated ? 1 : cli.quick ? 2 : 4;
  int timed = 0, fewer_sms = 0, refused = 0;
  for (const CalibrationCall& c : calls) {
    if (c.sms < prop.multiProcessorCount) {
      ++fewer_sms;
      continue;
    }
    try {
      Scratch scratch;
      const GpuKernelChoice choice = choose_gpu_kernel(c);
      std::optional<Timed> model_kernels = config ? model_memory_ops(c, *config) : std::nullopt;
      std::vector<Timed> candidates{model_kernels ? std::move(*model_kernels) : prepare(c, choice, scratch, isolated)};
      if (fastest) {
        try {
          for (Timed& peer : peers(c, choice, scratch)) candidates.push_back(std::move(peer));
        } catch (const std::exception& e) {  // a peer that refuses the problem leaves the project's kernel alone
          std::printf("%-24s peer refused: %s\n", c.id.c_str(), e.what());
        }
      }
      double seconds = 0;
      std::string kernel;
      int kernel_calls = 1;
      for (const Timed& t : candidates) {
        double s = 0;
        if (isolated && !t.group_calls.empty())
          for (const std::function<void()>& call : t.group_calls)
            s += median_seconds([&call](int) { call(); }, warmup, samples, nullptr, 1);
        else
          s = median_seconds(t.run, warmup, samples, nullptr, batch);
        s /= t.ops_per_run;
        if (candidates.size() > 1)
          std::printf("%-24s %12.3f us  (candidate) %s\n", c.id.c_str(), s * 1e6, t.kernel.c_str());
        if (kernel.empty() || s < seconds) {
          seconds = s;
          kernel = t.kernel;
          kernel_calls = t.kernel_calls();
        }
      }
      out.add(c.id, seconds, prop.multiProcessorCount, kernel, kernel_calls);
      std::printf("%-24s %12.3f us  %s\n", c.id.c_str(), seconds * 1e6, kernel.c_str());
      ++timed;
    } catch (const std::invalid_argument& e) {
      std::printf("%-24s refused: %s\n", c.id.c_str(), e.what());
      ++refused;
    } catch (const std::exception& e) {
      // A launch or execution error: if the context is broken, nothing after it can be timed.
      std::printf("%-24s failed: %s\n", c.id.c_str(), e.what());
      ++refused;
      if (cudaDeviceSynchronize() != cudaSuccess) {
        std::printf("the CUDA context is broken: stopping after %d timed calls\n", timed);
        return 1;
      }
    }
    std::fflush(stdout);
  }
  std::printf("%d calls timed, %d at fewer SMs skipped (no kernel can be held to them), %d refused\n", timed, fewer_sms,
              refused);
  return timed > 0 ? 0 : 1;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  return trainsim::kernels::driver_main(argc, argv, "calibration_run", trainsim::kernels::run, {"--fastest", "--isolated"});
}
