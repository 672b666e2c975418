// The host's kernels for a calibration plan's calls (see host_calibration.h).
#include "kernels/calibration/host_calibration.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <memory>
#include <stdexcept>
#include <vector>

#include "kernels/common/parallel_for.h"
#include "kernels/common/random_fill.h"
#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_problem.h"
#include "kernels/model/adamw.h"
#include "kernels/model/expert_bias_update.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/reduced_deepseek_v3.h"

namespace trainsim::kernels {
namespace {

std::size_t as_size(std::int64_t x) { return static_cast<std::size_t>(x); }

using Timed = HostKernel;

model::GemmPrecision gemm_precision(const std::string& dtype) {
  if (dtype == "bf16") return model::GemmPrecision::kBF16;
  if (dtype == "fp8") return model::GemmPrecision::kFP8;
  throw std::invalid_argument("no host GEMM computes in " + dtype + " (bf16 or fp8)");
}

// The GEMM of a catalog op as the model runs it: its role from the op's name (the catalog names a linear's backward
// GEMMs <name>.dgrad and <name>.wgrad, models/layer_builder.h, with their own m, n, k), and its precision the call's,
// except for the output head and the MoE gate, which the model keeps at kOriginalPrecision.
enum class GemmRole { kForward, kDgrad, kWgrad };

Timed gemm(const CalibrationCall& c) {
  const bool grouped = c.op == "grouped_gemm";
  const int groups = grouped ? shape_int(c.groups, "groups") : 1;
  const int m = shape_int(c.m, "m"), n = shape_int(c.n, "n"), k = shape_int(c.k, "k");
  const std::string op = c.ops.empty() ? "" : c.ops.front();
  const GemmRole role = op.ends_with(".dgrad")   ? GemmRole::kDgrad
                        : op.ends_with(".wgrad") ? GemmRole::kWgrad
                                                 : GemmRole::kForward;
  const bool original = op.starts_with("head.proj") || op.starts_with("moe.gate");
  const model::GemmPrecision precision = original ? model::kOriginalPrecision : gemm_precision(c.dtype);
  const std::string name = std::string(grouped ? "groups x " : "") + "model::" +
                           (role == GemmRole::kForward ? "linear_forward "
                            : role == GemmRole::kDgrad ? "linear_dgrad "
                                                       : "linear_wgrad ") +
                           std::string(model::to_string(precision));
  if (role == GemmRole::kForward) {  // y[m][n] = x[m][k] w[n][k]
    auto x = std::make_shared<std::vector<double>>(uniform_doubles(as_size(m) * as_size(k), 1));
    auto w = std::make_shared<std::vector<double>>(uniform_doubles(as_size(n) * as_size(k), 2));
    return {[=] {
              for (int g = 0; g < groups; ++g) (void)model::linear_forward(*x, *w, m, n, k, precision);
            },
            name};
  }
  if (role == GemmRole::kDgrad) {  // dx[m][n] = dy[m][k] w[k][n]: the forward's n is this GEMM's k
    auto w = std::make_shared<std::vector<double>>(uniform_doubles(as_size(k) * as_size(n), 2));
    auto dy = std::make_shared<std::vector<double>>(uniform_doubles(as_size(m) * as_size(k), 3));
    return {[=] {
              for (int g = 0; g < groups; ++g) (void)model::linear_dgrad(*w, *dy, m, k, n, precision);
            },
            name};
  }
  // dw[m][n] += dy^T[m][k] x[k][n]: the forward's n and k are this GEMM's m and n, its tokens this GEMM's k.
  auto x = std::make_shared<std::vector<double>>(uniform_doubles(as_size(k) * as_size(n), 1));
  auto dy = std::make_shared<std::vector<double>>(uniform_doubles(as_size(k) * as_size(m), 3));
  auto dw = std::make_shared<std::vector<double>>(as_size(m) * as_size(n), 0.0);
  return {[=] {
            for (int g = 0; g < groups; ++g) model::linear_wgrad(*x, *dy, k, m, n, *dw, precision);
          },
          name};
}

Timed attention(const CalibrationCall& c, bool backward) {
  if (c.seq_q != c.seq_kv) throw std::invalid_argument("seq_q != seq_kv: the reference is self-attention");
  AttentionShape shape;
  shape.batch = VarlenBatch::uniform(shape_int(c.batch, "batch"), shape_int(c.seq_q, "seq_q"));
  shape.heads = shape_int(c.heads, "heads");
  shape.qk_dim = shape_int(c.head_dim, "head_dim");
  shape.v_dim = shape_int(c.value_dim, "value_dim");
  const std::size_t rows = as_size(shape.batch.total_tokens()) * as_size(shape.heads);
  auto q = std::make_shared<std::vector<double>>(uniform_doubles(rows * as_size(shape.qk_dim), 3));
  auto k = std::make_shared<std::vector<double>>(uniform_doubles(rows * as_size(shape.qk_dim), 4));
  auto v = std::make_shared<std::vector<double>>(uniform_doubles(rows * as_size(shape.v_dim), 5));
  if (!backward) return {[=] { (void)attention_forward_ref(shape, *q, *k, *v); }, "attention_forward_ref fp64"};
  auto d_o = std::make_shared<std::vector<double>>(uniform_doubles(rows * as_size(shape.v_dim), 6));
  return {[=] { (void)attention_backward_ref(shape, *q, *k, *v, *d_o); }, "attention_backward_ref fp64"};
}

Timed copy(const CalibrationCall& c) {
  const std::size_t half = as_size(c.bytes) / 2;
  if (half == 0) throw std::invalid_argument("fewer than 2 bytes to move");
  auto buffers = std::make_shared<std::vector<char>>(2 * half, 1);
  return {[=] { std::memcpy(buffers->data() + half, buffers->data(), half); }, "memcpy"};
}

// The middle of `samples` values of `sample()` (the upper one of an even count).
double median_of_samples(int samples, const std::function<double()>& sample) {
  std::vector<double> seconds;
  for (int s = 0; s < samples; ++s) seconds.push_back(sample());
  std::nth_element(seconds.begin(), seconds.begin() + samples / 2, seconds.end());
  return seconds[as_size(samples / 2)];
}

std::size_t last_level_cache_bytes() {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index3/size");  // "32768K"
  std::size_t kib = 0;
  if (in >> kib && kib > 0) return kib * 1024;
  return std::size_t{32} << 20;
}

}  // namespace

HostKernel host_kernel(const CalibrationCall& c, const std::optional<model::ModelConfig>& config) {
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

HostKernel host_optimizer(const model::ModelConfig& config, std::size_t& parameters) {
  auto reduced = std::make_shared<model::ReducedDeepSeekV3>(config, 1);
  auto grads = std::make_shared<const model::ModelWeights>(reduced->weights);  // any values: AdamW's work is alike
  auto adamw = std::make_shared<model::AdamW>(model::AdamWConfig{}, reduced->weights);
  parameters = model::parameter_count(reduced->weights);
  auto loads = std::make_shared<std::vector<std::int64_t>>(as_size(config.n_routed_experts), 1);
  (*loads)[0] = 2;  // uneven, so that every bias moves
  return {[=] {
            adamw->step(reduced->weights, *grads);
            for (int b = 0; b < reduced->moe_block_count(); ++b)
              model::update_expert_bias(*loads, 0.001, reduced->expert_bias[as_size(b)]);
          },
          "model::AdamW::step + update_expert_bias"};
}

HostKernel host_gradient_zeroing(const model::ModelConfig& config) {
  auto grads = std::make_shared<model::ModelWeights>(model::ModelWeights::zeros(config));
  return {[=] { model::zero_gradients(*grads); }, "model::zero_gradients"};
}

double median_seconds(const std::function<void()>& run, int samples, int batch) {
  run();
  return median_of_samples(samples, [&] {
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < batch; ++b) run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / batch;
  });
}

void evict_caches() {
  static std::vector<char> buffer(2 * last_level_cache_bytes(), 1);
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::size_t slice = buffer.size() / as_size(threads);
  parallel_for(threads, [&](int t) {  // 64-byte lines: one write each
    for (std::size_t i = as_size(t) * slice; i < (as_size(t) + 1) * slice; i += 64) ++buffer[i];
  });
}

double cold_median_seconds(const std::function<void()>& run, int samples) {
  return median_of_samples(samples, [&] {
    evict_caches();
    const auto start = std::chrono::steady_clock::now();
    run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  });
}

}  // namespace trainsim::kernels
