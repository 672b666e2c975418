// MoE forward and backward from the shared references: router_ref (routing_rule.h) for selection and gates,
// plan_expert_layout for each expert's rows, the SwiGLU MLP per expert and for the shared expert.
#include "kernels/model/moe_layer.h"

#include <stdexcept>

#include "kernels/model/compute_backend.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/op_timer.h"
#include "kernels/moe/router_ref.h"

namespace trainsim::kernels::model {

MoeWeights MoeWeights::zeros(int hidden, int num_experts, int expert_inter, int shared_inter) {
  MoeWeights w;
  w.w_router.assign(size_t(num_experts) * hidden, 0);
  w.shared = SwigluWeights::zeros(hidden, shared_inter);
  w.experts.assign(num_experts, SwigluWeights::zeros(hidden, expert_inter));
  return w;
}

void moe_route(const RoutingRule& rule, const MoeWeights& w, std::span<const double> bias, std::span<const double> x,
               int rows, MoeCache& cache, GemmPrecision precision) {
  const int hidden = w.shared.hidden, experts = rule.num_experts, k = rule.top_k;
  if (int(w.experts.size()) != experts) throw std::invalid_argument("moe_forward: expert count differs from the rule");
  if (rule.scoring != RouterScoring::kSigmoid)  // gate_backward and the balance loss differentiate sigmoid scores
    throw std::invalid_argument("moe_forward: DeepSeek-V3's sigmoid scoring only");
  ComputeBackend& backend = current_backend();
  cache.rows = rows;
  cache.precision = precision;
  cache.x.assign(x.begin(), x.end());
  // NOTE: the router stays FP64 at every precision: DeepSeek-V3 keeps its MoE gating in BF16/FP32 (arXiv
  // 2412.19437, section 3.3.1), and an FP8 router would change which experts are chosen.
  OpScope scope(OpKind::kRouter, "router");
  cache.logits = linear_forward(x, w.w_router, rows, experts, hidden, kOriginalPrecision);
  cache.expert_ids.assign(size_t(rows) * k, 0);
  cache.gates.assign(size_t(rows) * k, 0);
  backend.route(rule, cache.logits, bias, cache.expert_ids, cache.gates);
  cache.layout = backend.plan_expert_layout(cache.expert_ids, k, experts, 1);
}

std::vector<double> moe_forward(const RoutingRule& rule, const MoeWeights& w, std::span<const double> bias,
                                std::span<const double> x, int rows, MoeCache& cache, GemmPrecision precision) {
  const int hidden = w.shared.hidden, experts = rule.num_experts;
  moe_route(rule, w, bias, x, rows, cache, precision);
  ComputeBackend& backend = current_backend();
  std::vector<double> y(size_t(rows) * hidden, 0);
  if (w.shared.inter > 0) y = swiglu_mlp_forward(w.shared, x, rows, cache.shared_cache, precision);
  cache.expert_caches.assign(experts, SwigluCache{});
  cache.expert_out.assign(experts, {});
  for (int e = 0; e < experts; ++e) {
    const int64_t count = cache.layout.counts[e];
    std::vector<double> xe(size_t(count) * hidden);
    {
      OpScope scope(OpKind::kPermute, "gather");
      backend.gather_expert_rows(cache.layout, e, x, hidden, xe, precision);
    }
    cache.expert_out[e] =
        swiglu_mlp_forward(w.experts[e], xe, int(count), cache.expert_caches[e], precision, OpKind::kExpertGemm);
    OpScope scope(OpKind::kPermute, "combine");
    backend.combine_expert_rows(cache.layout, e, cache.gates, cache.expert_out[e], hidden, y, precision);
  }
  return y;
}

void gather_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> x, int hidden,
                        std::span<double> rows) {
  const int64_t first = layout.offsets[expert], count = layout.counts[expert];
  for (int64_t r = 0; r < count; ++r) {
    const int64_t token = layout.slot_of[first + r] / layout.top_k;
    for (int c = 0; c < hidden; ++c) rows[r * hidden + c] = x[token * hidden + c];
  }
}

void scatter_add_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> d_rows, int hidden,
                             std::span<double> dx) {
  const int64_t first = layout.offsets[expert], count = layout.counts[expert];
  for (int64_t r = 0; r < count; ++r) {
    const int64_t token = layout.slot_of[first + r] / layout.top_k;
    for (int c = 0; c < hidden; ++c) dx[token * hidden + c] += d_rows[r * hidden + c];
  }
}

void combine_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> gates,
                         std::span<const double> rows, int hidden, std::span<double> y) {
  const int64_t first = layout.offsets[expert], count = layout.counts[expert];
  for (int64_t r = 0; r < count; ++r) {
    const int64_t slot = layout.slot_of[first + r], token = slot / layout.top_k;
    for (int c = 0; c < hidden; ++c) y[token * hidden + c] += gates[slot] * rows[r * hidden + c];
  }
}

void combine_expert_rows_backward(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                  std::span<const double> rows, std::span<const double> dy, int hidden,
                                  std::span<double> d_rows, std::span<double> d_gates) {
  const int64_t first = layout.offsets[expert], count = layout.counts[expert];
  for (int64_t r = 0; r < count; ++r) {
    const int64_t slot = layout.slot_of[first + r], token = slot / layout.top_k;
    double dot = 0;
    for (int c = 0; c < hidden; ++c) {
      d_rows[r * hidden + c] = gates[slot] * dy[token * hidden + c];
      dot += dy[token * hidden + c] * rows[r * hidden + c];
    }
    d_gates[slot] = dot;
  }
}

std::vector<double> moe_backward(const RoutingRule& rule, const MoeWeights& w, const MoeCache& cache,
                                 std::span<const double> dy, MoeWeights& grads, std::span<const double> x) {
  const std::span<const double> in = x.empty() ? std::span<const double>(cache.x) : x;
  const int hidden = w.shared.hidden, experts = rule.num_experts, k = rule.top_k, rows = cache.rows;
  ComputeBackend& backend = current_backend();
  std::vector<double> dx(size_t(rows) * hidden, 0);
  if (w.shared.inter > 0) dx = swiglu_mlp_backward(w.shared, cache.shared_cache, dy, grads.shared, x);
  std::vector<double> d_gates(size_t(rows) * k, 0);
  for (int e = 0; e < experts; ++e) {
    std::vector<double> d_out(size_t(cache.layout.counts[e]) * hidden);
    {
      OpScope scope(OpKind::kPermute, "combine");
      backend.combine_expert_rows_backward(cache.layout, e, cache.gates, cache.expert_out[e], dy, hidden, d_out,
                                           d_gates, cache.precision);
    }
    const std::vector<double> dxe = swiglu_mlp_backward(w.experts[e], cache.expert_caches[e], d_out, grads.experts[e]);
    OpScope gather_scope(OpKind::kPermute, "gather");
    backend.scatter_add_expert_rows(cache.layout, e, dxe, hidden, dx, cache.precision);
  }
  moe_router_backward(rule, w, cache, d_gates, in, grads, dx);
  return dx;
}

void moe_router_backward(const RoutingRule& rule, const MoeWeights& w, const MoeCache& cache,
                         std::span<const double> d_gates, std::span<const double> x, MoeWeights& grads,
                         std::vector<double>& dx) {
  const int hidden = w.shared.hidden, experts = rule.num_experts, rows = cache.rows;
  ComputeBackend& backend = current_backend();
  std::vector<double> dx_router;
  {
    OpScope scope(OpKind::kRouter, "router");
    std::vector<double> d_logits = cache.balance_d_logits;
    d_logits.resize(size_t(rows) * experts, 0.0);
    backend.gate_backward(rule, cache.logits, cache.expert_ids, cache.gates, d_gates, d_logits);
    dx_router = linear_backward(x, w.w_router, d_logits, rows, experts, hidden, grads.w_router, kOriginalPrecision);
  }
  // The gate's and the experts' input gradients summed: the catalog's moe.input_grad_sum, an element-wise op.
  OpScope scope(OpKind::kNormElementwise, "add_dx");
  backend.add(dx, dx_router, cache.precision);
}

}  // namespace trainsim::kernels::model
