// The host's kernels for a calibration plan's calls (see host_calibration.h).
#include "kernels/calibration/host_calibration.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

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

Timed gemm(const CalibrationCall& c) {
  const bool grouped = c.op == "grouped_gemm";
  const int groups = grouped ? shape_int(c.groups, "groups") : 1;
  const int m = shape_int(c.m, "m"), n = shape_int(c.n, "n"), k = shape_int(c.k, "k");
  const model::GemmPrecision precision = gemm_precision(c.dtype);
  auto x = std::make_shared<std::vector<double>>(uniform_doubles(as_size(m) * as_size(k), 1));
  auto w = std::make_shared<std::vector<double>>(uniform_doubles(as_size(n) * as_size(k), 2));
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

double median_seconds(const std::function<void()>& run, int samples, int batch) {
  run();
  std::vector<double> seconds;
  for (int s = 0; s < samples; ++s) {
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < batch; ++b) run();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / batch);
  }
  std::nth_element(seconds.begin(), seconds.begin() + samples / 2, seconds.end());
  return seconds[as_size(samples / 2)];
}


}  // namespace trainsim::kernels
