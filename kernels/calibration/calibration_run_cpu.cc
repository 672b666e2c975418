// calibration_run_cpu: the host's twin of calibration_run (kernels/CALIBRATION.md): times every call of a flattened
// calibration plan with the CPU back-end the reduced DeepSeek-V3 trains on (kernels/model/NOTES.md), so that the
// simulator can be priced for the host as it is for a GPU, by the same plan and the same CSV, and its prediction of
// the reduced model's step checked against the step measured on the same host (issue 19's loop).
// Usage: calibration_run_cpu [--quick] CALLS.txt TIMES.csv [MODEL_CONFIG.json]
// What runs each family, as the model runs it:
// - GEMMs (`gemm`, any family): model::linear_forward at the call's dtype (bf16: BF16 operands, FP32 sums; fp8:
//   DeepSeek's block-scaled E4M3 with the tensor cores' truncated sums, linear_gemm.h); a grouped GEMM is its groups'
//   GEMMs one after another, as the model runs each expert's. Every pass runs the forward's layout: the model's
//   Dgrad and Wgrad are GEMMs of the same FLOPs through the same routine.
// - attention: the FP64 causal attention core (mla/mla_attention_ref.h), forward, or backward (which recomputes the
//   forward, as the model's backward does).
// - memory-bound ops: with the model's config (the plan's model), the model's own FP64 loops for the catalog ops the
//   call stands for (host_memory_ops.h: norms, RoPE, SwiGLU, router, permutes, embedding, cross-entropy; the mean
//   of their loops where they differ), on the shape the ops' bytes stand for; they do far more per byte than a copy
//   (about 100 times, kernels/model/NOTES.md). Without the config, or for ops the model has no loop of their own
//   for (FP8 casts run inside the model's GEMMs; the cross-entropy's backward comes with its forward), a copy of the
//   bytes (half read, half written), as the GPU driver copies for ops with no kernel of their own; the CSV's kernel
//   column says which ran.
// The host runs every call on all its threads (parallel_for's pool): calls the plan asks at fewer SMs than its largest
// count are skipped, as calibration_run skips what it cannot hold to fewer SMs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kernels/calibration/calibration_call.h"
#include "kernels/calibration/calibration_times.h"
#include "kernels/calibration/host_memory_ops.h"
#include "kernels/common/driver_args.h"
#include "kernels/common/random_fill.h"
#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_problem.h"
#include "kernels/model/linear_gemm.h"

namespace trainsim::kernels {
namespace {

std::size_t sz(std::int64_t x) { return static_cast<std::size_t>(x); }

using Timed = HostKernel;


model::GemmPrecision gemm_precision(const std::string& dtype) {
  if (dtype == "bf16") return model::GemmPrecision::kBF16;
  if (dtype == "fp8") return model::GemmPrecision::kFP8;
  throw std::invalid_argument("no host GEMM computes in " + dtype + " (bf16 or fp8)");
}

Timed gemm(const CalibrationCall& c) {
  const bool grouped = c.op == "grouped_gemm";
  const int groups = grouped ? shape_int(c.groups, "groups") : 1;
  const int m = shape_int(c.m, "m"), n = shape_int(c.n, "n"), k = shape_int(c.k, "k");
  const model::GemmPrecision precision = gemm_precision(c.dtype);
  auto x = std::make_shared<std::vector<double>>(uniform_doubles(sz(m) * sz(k), 1));
  auto w = std::make_shared<std::vector<double>>(uniform_doubles(sz(n) * sz(k), 2));
  return {[=] {
            for (int g = 0; g < groups; ++g) (void)model::linear_forward(*x, *w, m, n, k, precision);
          },
          std::string(grouped ? "groups x " : "") + "model::linear_forward " +
              std::string(model::to_string(precision))};
}

Timed attention(const CalibrationCall& c, bool backward) {
  if (c.seq_q != c.seq_kv) throw std::invalid_argument("seq_q != seq_kv: the reference is self-attention");
  AttentionShape shape;
  shape.batch = VarlenBatch::uniform(shape_int(c.batch, "batch"), shape_int(c.seq_q, "seq_q"));
  shape.heads = shape_int(c.heads, "heads");
  shape.qk_dim = shape_int(c.head_dim, "head_dim");
  shape.v_dim = shape_int(c.value_dim, "value_dim");
  const std::size_t rows = sz(shape.batch.total_tokens()) * sz(shape.heads);
  auto q = std::make_shared<std::vector<double>>(uniform_doubles(rows * sz(shape.qk_dim), 3));
  auto k = std::make_shared<std::vector<double>>(uniform_doubles(rows * sz(shape.qk_dim), 4));
  auto v = std::make_shared<std::vector<double>>(uniform_doubles(rows * sz(shape.v_dim), 5));
  if (!backward) return {[=] { (void)attention_forward_ref(shape, *q, *k, *v); }, "attention_forward_ref fp64"};
  auto d_o = std::make_shared<std::vector<double>>(uniform_doubles(rows * sz(shape.v_dim), 6));
  return {[=] { (void)attention_backward_ref(shape, *q, *k, *v, *d_o); }, "attention_backward_ref fp64"};
}

Timed copy(const CalibrationCall& c) {
  const std::size_t half = sz(c.bytes) / 2;
  if (half == 0) throw std::invalid_argument("fewer than 2 bytes to move");
  auto buffers = std::make_shared<std::vector<char>>(2 * half, 1);
  return {[=] { std::memcpy(buffers->data() + half, buffers->data(), half); }, "memcpy"};
}

Timed prepare(const CalibrationCall& c, const std::optional<model::ModelConfig>& config) {
  if (c.op == "gemm" || c.op == "grouped_gemm") return gemm(c);
  if (c.family == "attention_forward") return attention(c, false);
  if (c.family == "attention_backward") return attention(c, true);
  if (c.family == "memory_bound") {
    if (config)
      if (std::optional<Timed> loop = host_memory_op(c, *config)) return std::move(*loop);
    return copy(c);
  }
  throw std::invalid_argument("no host kernel for family " + c.family + " op " + c.op);
}

// The median over `samples` of the mean of `batch` back-to-back calls, after one warm-up call (steady_clock).
double median_seconds(const std::function<void()>& run, int samples, int batch) {
  run();
  std::vector<double> seconds;
  for (int s = 0; s < samples; ++s) {
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < batch; ++b) run();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / batch);
  }
  std::nth_element(seconds.begin(), seconds.begin() + samples / 2, seconds.end());
  return seconds[sz(samples / 2)];
}

// The host's CPU as /proc/cpuinfo names it (semicolons, which separate the CSV's device facts, kept out).
std::string cpu_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      std::string name = line.substr(line.find(':') + 1);
      name.erase(0, name.find_first_not_of(' '));
      std::replace(name.begin(), name.end(), ';', ' ');
      return name.empty() ? "unknown CPU" : name;
    }
  return "unknown CPU";
}

int run(const DriverArgs& cli) {
  if (cli.positional.size() != 2 && cli.positional.size() != 3)
    throw std::invalid_argument("usage: calibration_run_cpu [--quick] CALLS.txt TIMES.csv [MODEL_CONFIG.json]");
  std::optional<model::ModelConfig> config;
  if (cli.positional.size() == 3) config = model::load_model_config(cli.positional[2]);
  std::ifstream in(cli.positional[0]);
  if (!in) throw std::runtime_error("cannot read " + cli.positional[0]);
  const std::vector<CalibrationCall> calls = read_calibration_calls(in);
  if (calls.empty()) throw std::invalid_argument(cli.positional[0] + " holds no call");
  const int plan_sms = std::max_element(calls.begin(), calls.end(), [](const auto& a, const auto& b) {
                         return a.sms < b.sms;
                       })->sms;
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CalibrationTimes out(cli.positional[1], cpu_name(), threads, "none");
  const int samples = cli.quick ? 3 : 5, batch = cli.quick ? 2 : 4;
  int timed = 0, fewer_sms = 0, refused = 0;
  for (const CalibrationCall& c : calls) {
    if (c.sms < plan_sms) {
      ++fewer_sms;
      continue;
    }
    try {
      const Timed t = prepare(c, config);
      const double seconds = median_seconds(t.run, samples, batch) / t.loops_per_run;
      out.add(c.id, seconds, threads, t.kernel);  // what it ran on, as calibration_run writes its GPU's SMs
      std::printf("%-24s %12.3f us  %s\n", c.id.c_str(), seconds * 1e6, t.kernel.c_str());
      ++timed;
    } catch (const std::invalid_argument& e) {
      std::printf("%-24s refused: %s\n", c.id.c_str(), e.what());
      ++refused;
    }
    std::fflush(stdout);
  }
  std::printf("%d calls timed on %d threads, %d at fewer SMs than the plan's %d skipped (the host runs all its "
              "threads), %d refused\n",
              timed, threads, fewer_sms, plan_sms, refused);
  return timed > 0 ? 0 : 1;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  return trainsim::kernels::driver_main(argc, argv, "calibration_run_cpu", trainsim::kernels::run);
}
