// The reduced model's memory-bound loops for a calibration call (host_memory_ops.h).
#include "kernels/calibration/host_memory_ops.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "kernels/calibration/memory_op_shapes.h"
#include "kernels/common/random_fill.h"
#include "kernels/mla/mla_projections_ref.h"
#include "kernels/model/cross_entropy.h"
#include "kernels/model/embedding.h"
#include "kernels/model/gradient_sum.h"
#include "kernels/model/moe_layer.h"
#include "kernels/model/sequence_balance_loss.h"
#include "kernels/moe/grouped_gemm_ref.h"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/router_ref.h"

namespace trainsim::kernels {
namespace {

using Doubles = std::shared_ptr<std::vector<double>>;

std::size_t sz(std::int64_t x) { return static_cast<std::size_t>(x); }

Doubles doubles(std::int64_t count, std::uint64_t seed) {
  return std::make_shared<std::vector<double>>(uniform_doubles(sz(count), seed));
}

// calibration_ids, shared by the call's loop.
std::shared_ptr<std::vector<int>> spread_ids(int count, int modulus) {
  return std::make_shared<std::vector<int>>(calibration_ids(count, modulus));
}

HostKernel norm(const MemoryOpShape& s, const model::ModelConfig& m) {
  const int width = s.width, rows = s.rows;
  const bool backward = s.backward;
  const Doubles x = doubles(std::int64_t{rows} * width, 1), gamma = doubles(width, 2);
  const double eps = m.rms_norm_eps;
  if (!backward) return {[=] { (void)rmsnorm_ref(*x, rows, width, width, *gamma, eps); }, "rmsnorm_ref fp64"};
  const Doubles dy = doubles(std::int64_t{rows} * width, 3), d_gamma = doubles(width, 4);
  return {[=] { (void)rmsnorm_backward_ref(*x, rows, width, width, *gamma, eps, *dy, *d_gamma); },
          "rmsnorm_backward_ref fp64"};
}

// The routed experts' SwiGLU is one loop per expert on its rows (MemoryOpShape::loop_rows), as the model runs it.
HostKernel swiglu(const MemoryOpShape& s) {
  const int inter = s.width, rows = s.rows;
  const std::vector<int> expert_rows = s.loop_rows;
  const bool backward = s.backward;
  const Doubles h = doubles(std::int64_t{rows} * 2 * inter, 1);
  const std::string per_expert = expert_rows.size() > 1 ? " per expert" : "";
  if (!backward) {
    auto act = std::make_shared<std::vector<double>>();
    return {[=] {
              for (int r : expert_rows) {
                act->assign(sz(r) * sz(inter), 0);  // as the model's scope allocates it
                swiglu_ref(std::span<const double>(*h).first(sz(r) * 2 * sz(inter)), r, inter, *act);
              }
            },
            "swiglu_ref fp64" + per_expert};
  }
  const Doubles d_act = doubles(std::int64_t{rows} * inter, 2), dh = doubles(std::int64_t{rows} * 2 * inter, 3);
  return {[=] {
            for (int r : expert_rows)
              swiglu_backward_ref(std::span<const double>(*h).first(sz(r) * 2 * sz(inter)), r, inter,
                                  std::span<const double>(*d_act).first(sz(r) * sz(inter)),
                                  std::span<double>(*dh).first(sz(r) * 2 * sz(inter)));
          },
          "swiglu_backward_ref fp64" + per_expert};
}

HostKernel rope(const MemoryOpShape& s, const model::ModelConfig& m) {
  const MlaDims d = m.mla_dims();
  const int tokens = s.rows;
  const bool backward = s.backward;
  auto positions = std::make_shared<std::vector<int>>(sz(tokens));
  for (int t = 0; t < tokens; ++t) (*positions)[sz(t)] = t;
  const std::int64_t heads_rows = std::int64_t{tokens} * d.heads;
  if (!backward) {
    const Doubles q_up = doubles(heads_rows * d.qk_dim(), 1), kv_up = doubles(heads_rows * d.kv_up_dim(), 2);
    const Doubles kv_down = doubles(std::int64_t{tokens} * d.kv_down_dim(), 3);
    auto out = std::make_shared<MlaQkvRef>();
    return {[=] { assemble_qkv_ref(d, *q_up, *kv_up, *kv_down, *positions, *out); }, "assemble_qkv_ref fp64"};
  }
  const Doubles dq = doubles(heads_rows * d.qk_dim(), 1), dk = doubles(heads_rows * d.qk_dim(), 2);
  const Doubles dv = doubles(heads_rows * d.v_dim, 3), d_kv_down = doubles(std::int64_t{tokens} * d.kv_down_dim(), 4);
  auto d_q_up = std::make_shared<std::vector<double>>(), d_kv_up = std::make_shared<std::vector<double>>();
  return {[=] { assemble_qkv_backward_ref(d, *dq, *dk, *dv, *positions, *d_q_up, *d_kv_up, *d_kv_down); },
          "assemble_qkv_backward_ref fp64"};
}

// The model's loops add in place, as add_gradient does.
HostKernel gradient_sum(const MemoryOpShape& s) {
  const int values = s.rows;
  const Doubles sum = doubles(values, 1), other = doubles(values, 2);
  return {[=] { model::add_gradient(*sum, *other); }, "add_gradient fp64"};
}

std::shared_ptr<CalibrationRouting> routing(const RoutingRule& rule, int tokens) {
  return std::make_shared<CalibrationRouting>(calibration_routing(rule, tokens));
}

HostKernel router(const MemoryOpShape& s, const model::ModelConfig& m) {
  const RoutingRule rule = m.routing_rule();
  const int tokens = s.rows;
  const bool backward = s.backward;
  const std::shared_ptr<CalibrationRouting> r = routing(rule, tokens);
  if (!backward) {
    const Doubles bias = doubles(rule.num_experts, 8);
    auto ids = std::make_shared<std::vector<int>>(r->expert_ids.size());
    auto gates = std::make_shared<std::vector<double>>(r->gates.size());
    return {[=] {
              router_ref(rule, r->logits, *bias, *ids, *gates);
              (void)plan_expert_layout(*ids, rule.top_k, rule.num_experts, 1);
            },
            "router_ref + plan_expert_layout fp64"};
  }
  const Doubles d_gates = doubles(std::int64_t{tokens} * rule.top_k, 9);
  const Doubles d_logits = doubles(std::int64_t{tokens} * rule.num_experts, 10);
  return {[=] {
            for (int t = 0; t < tokens; ++t) {
              const std::size_t k = sz(t) * sz(rule.top_k), e = sz(t) * sz(rule.num_experts);
              model::gate_backward(rule, &r->logits[e], &r->expert_ids[k], &r->gates[k], &(*d_gates)[k],
                                   &(*d_logits)[e]);
            }
          },
          "gate_backward fp64"};
}

// The model computes the loss's gradient with the loss (sequence_balance_loss) and its router backward starts from a
// copy of it. The call gives tokens, not sequences: one sequence of them (the per-sequence sums are a few per
// expert).
HostKernel balance_loss(const MemoryOpShape& s, const model::ModelConfig& m) {
  const RoutingRule rule = m.routing_rule();
  const std::int64_t experts = rule.num_experts;
  const int tokens = s.rows;
  const bool backward = s.backward;
  if (backward) {
    const Doubles gradient = doubles(tokens * experts, 11);
    auto copy = std::make_shared<std::vector<double>>();
    return {[=] { copy->assign(gradient->begin(), gradient->end()); }, "copy of the balance loss's gradient fp64"};
  }
  const std::shared_ptr<CalibrationRouting> r = routing(rule, tokens);
  const double alpha = m.balance_loss_alpha;
  return {[=] {
            (void)model::sequence_balance_loss(rule, VarlenBatch::uniform(1, tokens), r->logits, r->expert_ids, alpha);
          },
          "sequence_balance_loss fp64"};
}

// Every expert's gather or combine in turn, as the model runs them.
HostKernel permute(const MemoryOpShape& s, const model::ModelConfig& m) {
  const RoutingRule rule = m.routing_rule();
  const int hidden = m.hidden_size, k = rule.top_k, tokens = s.rows;
  const bool combine = s.op == MemoryOp::kCombine, backward = s.backward;
  const std::shared_ptr<CalibrationRouting> r = routing(rule, tokens);
  const std::int64_t routed = std::int64_t{tokens} * k;
  const Doubles x = doubles(std::int64_t{tokens} * hidden, 1), rows = doubles(routed * hidden, 2);
  const auto expert_rows = [=](std::vector<double>& v, int e) {
    return std::span<double>(v).subspan(sz(r->layout.offsets[sz(e)]) * sz(hidden));
  };
  if (!combine && !backward)
    return {[=] {
              for (int e = 0; e < rule.num_experts; ++e)
                model::gather_expert_rows(r->layout, e, *x, hidden, expert_rows(*rows, e));
            },
            "gather_expert_rows fp64"};
  if (!combine)
    return {[=] {
              for (int e = 0; e < rule.num_experts; ++e)
                model::scatter_add_expert_rows(r->layout, e, expert_rows(*rows, e), hidden, *x);
            },
            "scatter_add_expert_rows fp64"};
  if (!backward)
    return {[=] {
              for (int e = 0; e < rule.num_experts; ++e)
                model::combine_expert_rows(r->layout, e, r->gates, expert_rows(*rows, e), hidden, *x);
            },
            "combine_expert_rows fp64"};
  const Doubles d_rows = doubles(routed * hidden, 3), d_gates = doubles(routed, 4);
  return {[=] {
            for (int e = 0; e < rule.num_experts; ++e)
              model::combine_expert_rows_backward(r->layout, e, r->gates, expert_rows(*rows, e), *x, hidden,
                                                  expert_rows(*d_rows, e), *d_gates);
          },
          "combine_expert_rows_backward fp64"};
}

HostKernel embedding(const MemoryOpShape& s, const model::ModelConfig& m) {
  const int hidden = m.hidden_size, tokens = s.rows;
  const bool backward = s.backward;
  const std::shared_ptr<std::vector<int>> ids = spread_ids(tokens, m.vocab_size);
  const Doubles table = doubles(std::int64_t{m.vocab_size} * hidden, 1);
  if (!backward) return {[=] { (void)model::embedding_forward(*table, hidden, *ids); }, "embedding_forward fp64"};
  const Doubles dy = doubles(std::int64_t{tokens} * hidden, 2);
  return {[=] { model::embedding_backward(*ids, hidden, *dy, *table); }, "embedding_backward fp64"};
}

// The model computes the loss and the logits' gradient in one pass (cross_entropy.h), so the catalog's backward op
// has no loop of its own: its call is copied.
HostKernel cross_entropy(const MemoryOpShape& s, const model::ModelConfig& m) {
  const int vocab = m.vocab_size, tokens = s.rows;
  const Doubles logits = doubles(std::int64_t{tokens} * vocab, 1);
  const std::shared_ptr<std::vector<int>> targets = spread_ids(tokens, vocab);
  return {[=] { (void)model::cross_entropy(*logits, tokens, vocab, *targets); },
          "cross_entropy fp64 (with its gradient)"};
}

// The loop of one catalog op `name` of the call, or nullopt where the model has none of its own.
std::optional<HostKernel> op_loop(const CalibrationCall& call, const std::string& name,
                                  const model::ModelConfig& config) {
  const std::optional<MemoryOpShape> shape = memory_op_shape(call, name, config);
  if (!shape) return std::nullopt;
  switch (shape->op) {
    case MemoryOp::kNorm: return norm(*shape, config);
    case MemoryOp::kSwiglu: return swiglu(*shape);
    case MemoryOp::kRope: return rope(*shape, config);
    case MemoryOp::kGradientSum: return gradient_sum(*shape);
    case MemoryOp::kTopk: return router(*shape, config);
    case MemoryOp::kBalanceLoss: return balance_loss(*shape, config);
    case MemoryOp::kPermute:
    case MemoryOp::kCombine: return permute(*shape, config);
    case MemoryOp::kEmbedding: return embedding(*shape, config);
    case MemoryOp::kCrossEntropy: return cross_entropy(*shape, config);
  }
  return std::nullopt;
}

}  // namespace

std::optional<HostKernel> host_memory_op(const CalibrationCall& c, const model::ModelConfig& config) {
  if (c.family != "memory_bound") return std::nullopt;
  std::vector<HostKernel> loops;
  for (const std::string& name : c.ops)
    if (std::optional<HostKernel> loop = op_loop(c, name, config)) {
      const bool seen =
          std::any_of(loops.begin(), loops.end(), [&](const HostKernel& k) { return k.kernel == loop->kernel; });
      if (!seen) loops.push_back(std::move(*loop));
    }
  if (loops.empty()) return std::nullopt;
  if (loops.size() == 1) return std::move(loops.front());
  HostKernel all{nullptr, "", static_cast<int>(loops.size())};
  for (const HostKernel& k : loops) all.kernel += (all.kernel.empty() ? "" : " + ") + k.kernel;
  all.kernel = "mean of " + all.kernel;
  all.run = [loops] {
    for (const HostKernel& k : loops) k.run();
  };
  return all;
}

}  // namespace trainsim::kernels
