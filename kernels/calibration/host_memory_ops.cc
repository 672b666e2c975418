// The reduced model's memory-bound loops for a calibration call (host_memory_ops.h).
#include "kernels/calibration/host_memory_ops.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

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

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// One catalog op of a call: its name and the call's bytes.
struct OpCall {
  std::string name;
  std::int64_t bytes = 0;
};

// Rows of `bytes_per_row` each in the op's bytes; the op is known, so bytes that are not whole rows mean a plan
// made for another model.
int whole_rows(const OpCall& c, std::int64_t bytes_per_row, const char* row) {
  if (bytes_per_row <= 0 || c.bytes % bytes_per_row != 0)
    throw std::invalid_argument(c.name + ": " + std::to_string(c.bytes) + " bytes are not whole " + row + " of " +
                                std::to_string(bytes_per_row) + " bytes (a plan of another model?)");
  return shape_int(c.bytes / bytes_per_row, row);
}

// `count` token ids spread over [0, modulus) (a stride prime to it): inputs whose values do not change the time.
std::shared_ptr<std::vector<int>> spread_ids(int count, int modulus) {
  auto ids = std::make_shared<std::vector<int>>(sz(count));
  for (int t = 0; t < count; ++t) (*ids)[sz(t)] = static_cast<int>((std::int64_t{t} * 7919) % modulus);
  return ids;
}

// models/layer_norms.cc norm_cost: forward reads and writes each BF16 value (4 bytes), backward reads the input and
// the gradient and writes the gradient (6 bytes).
HostKernel norm(const OpCall& c, const model::ModelConfig& m, bool backward) {
  const int width = contains(c.name, "q_norm")    ? m.q_lora_rank
                    : contains(c.name, "kv_norm") ? m.kv_lora_rank
                                                : m.hidden_size;
  const int rows = whole_rows(c, std::int64_t{width} * (backward ? 6 : 4), "rows");
  const Doubles x = doubles(std::int64_t{rows} * width, 1), gamma = doubles(width, 2);
  const double eps = m.rms_norm_eps;
  if (!backward) return {[=] { (void)rmsnorm_ref(*x, rows, width, width, *gamma, eps); }, "rmsnorm_ref fp64"};
  const Doubles dy = doubles(std::int64_t{rows} * width, 3), d_gamma = doubles(width, 4);
  return {[=] { (void)rmsnorm_backward_ref(*x, rows, width, width, *gamma, eps, *dy, *d_gamma); },
          "rmsnorm_backward_ref fp64"};
}

// models/layer_builder.h elementwise: rows x (in + out) BF16 values forward, rows x (2 in + out) backward; SwiGLU
// reads [gate, up] (in = 2 inter) and writes inter (models/mlp_ops.cc), RoPE rewrites each head's rope dims and the
// shared key's (in = out = heads x rope + rope, models/op_catalog.cc).
// The routed experts' SwiGLU runs once per expert on its own rows (moe_layer.cc: each expert's MLP in turn), so its
// call is n_routed_experts loops over the rows split evenly (the catalog's balanced routing); the dense and shared
// MLPs' run once on all rows.
HostKernel swiglu(const OpCall& c, const model::ModelConfig& m, bool backward) {
  const int inter = c.name.starts_with("mlp.")          ? m.intermediate_size
                    : c.name.starts_with("moe.shared.") ? m.moe_intermediate_size * m.n_shared_experts
                                                       : m.moe_intermediate_size;
  const int rows = whole_rows(c, std::int64_t{inter} * 2 * (backward ? 5 : 3), "rows");
  const int experts = c.name.starts_with("moe.experts.") ? m.n_routed_experts : 1;
  std::vector<int> expert_rows(sz(experts), rows / experts);
  for (int e = 0; e < rows % experts; ++e) ++expert_rows[sz(e)];
  const Doubles h = doubles(std::int64_t{rows} * 2 * inter, 1);
  const std::string per_expert = experts > 1 ? " per expert" : "";
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

HostKernel rope(const OpCall& c, const model::ModelConfig& m, bool backward) {
  const MlaDims d = m.mla_dims();
  const int width = d.heads * d.qk_rope + d.qk_rope;
  const int tokens = whole_rows(c, std::int64_t{width} * 2 * (backward ? 3 : 2), "tokens");
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

// models/layer_builder.h gradient_sum: two BF16 gradients of an input read and their sum written (6 bytes a value);
// its residual_add the same bytes forward, a block's output added to the residual stream (the model's loops add in
// place, as add_gradient does).
HostKernel gradient_sum(const OpCall& c) {
  const int values = whole_rows(c, 6, "values");
  const Doubles sum = doubles(values, 1), other = doubles(values, 2);
  return {[=] { model::add_gradient(*sum, *other); }, "add_gradient fp64"};
}

// Each token's routed experts, chosen by the model's rule from seeded logits; the layout the model plans from them.
struct Routing {
  std::vector<double> logits;
  std::vector<int> expert_ids;
  std::vector<double> gates;
  ExpertLayout layout;
};
std::shared_ptr<Routing> routing(const RoutingRule& rule, int tokens) {
  auto r = std::make_shared<Routing>();
  r->logits = uniform_doubles(sz(tokens) * sz(rule.num_experts), 7);
  r->expert_ids.assign(sz(tokens) * sz(rule.top_k), 0);
  r->gates.assign(r->expert_ids.size(), 0);
  router_ref(rule, r->logits, {}, r->expert_ids, r->gates);
  r->layout = plan_expert_layout(r->expert_ids, rule.top_k, rule.num_experts, 1);
  return r;
}

// models/mlp_ops.cc moe.topk: each token's FP32 logits read (4 bytes an expert) forward, read twice backward.
HostKernel router(const OpCall& c, const model::ModelConfig& m, bool backward) {
  const RoutingRule rule = m.routing_rule();
  const int tokens = whole_rows(c, std::int64_t{4} * rule.num_experts * (backward ? 2 : 1), "tokens");
  const std::shared_ptr<Routing> r = routing(rule, tokens);
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

// models/mlp_ops.cc moe.balance_loss: each token's FP32 scores and int32 expert indices read (4 bytes an expert and
// 4 an index) forward; its backward reads the scores and writes their gradient (8 bytes an expert). The model
// computes the loss's gradient with the loss (sequence_balance_loss) and its router backward starts from a copy of
// it. The call gives tokens, not sequences: one sequence of them (the per-sequence sums are a few per expert).
HostKernel balance_loss(const OpCall& c, const model::ModelConfig& m, bool backward) {
  const RoutingRule rule = m.routing_rule();
  const std::int64_t experts = rule.num_experts;
  const std::int64_t per_token = backward ? 8 * experts : 4 * (experts + rule.top_k);
  const int tokens = whole_rows(c, per_token, "tokens");
  if (backward) {
    const Doubles gradient = doubles(tokens * experts, 11);
    auto copy = std::make_shared<std::vector<double>>();
    return {[=] { copy->assign(gradient->begin(), gradient->end()); }, "copy of the balance loss's gradient fp64"};
  }
  const std::shared_ptr<Routing> r = routing(rule, tokens);
  const double alpha = m.balance_loss_alpha;
  return {[=] {
            (void)model::sequence_balance_loss(rule, VarlenBatch::uniform(1, tokens), r->logits, r->expert_ids, alpha);
          },
          "sequence_balance_loss fp64"};
}

// models/mlp_ops.cc: moe.permute reads and writes each routed row (tokens x top_k of them) of BF16 values;
// moe.combine_sum reads the routed rows and writes the tokens' rows.
HostKernel permute(const OpCall& c, const model::ModelConfig& m, bool combine, bool backward) {
  const RoutingRule rule = m.routing_rule();
  const int hidden = m.hidden_size, k = rule.top_k;
  const int tokens = combine ? whole_rows(c, std::int64_t{2} * hidden * (k + 1), "tokens")
                             : whole_rows(c, std::int64_t{4} * hidden * k, "tokens of top_k routed rows");
  const std::shared_ptr<Routing> r = routing(rule, tokens);
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

// models/op_catalog.cc: the lookup reads and writes each token's row of BF16 values (4 bytes a value); the
// scatter-add reads the BF16 gradient and reads and writes the FP32 table gradient (10 bytes a value).
HostKernel embedding(const OpCall& c, const model::ModelConfig& m, bool backward) {
  const int hidden = m.hidden_size;
  const int tokens = whole_rows(c, std::int64_t{hidden} * (backward ? 10 : 4), "tokens");
  const std::shared_ptr<std::vector<int>> ids = spread_ids(tokens, m.vocab_size);
  const Doubles table = doubles(std::int64_t{m.vocab_size} * hidden, 1);
  if (!backward) return {[=] { (void)model::embedding_forward(*table, hidden, *ids); }, "embedding_forward fp64"};
  const Doubles dy = doubles(std::int64_t{tokens} * hidden, 2);
  return {[=] { model::embedding_backward(*ids, hidden, *dy, *table); }, "embedding_backward fp64"};
}

// models/op_catalog.cc head.cross_entropy (the fused kernel): each token's row of vocab BF16 logits read and its loss
// written. The model computes the loss and the logits' gradient in one pass (cross_entropy.h), so the catalog's
// backward op has no loop of its own: its call is copied.
HostKernel cross_entropy(const OpCall& c, const model::ModelConfig& m) {
  const int vocab = m.vocab_size;
  const int tokens = whole_rows(c, std::int64_t{2} * (vocab + 1), "tokens");
  const Doubles logits = doubles(std::int64_t{tokens} * vocab, 1);
  const std::shared_ptr<std::vector<int>> targets = spread_ids(tokens, vocab);
  return {[=] { (void)model::cross_entropy(*logits, tokens, vocab, *targets); },
          "cross_entropy fp64 (with its gradient)"};
}

// The loop of one catalog op `name` of the call, or nullopt where the model has none of its own.
std::optional<HostKernel> op_loop(const CalibrationCall& call, const std::string& name,
                                  const model::ModelConfig& config) {
  const OpCall c{name, call.bytes};
  const std::string& kind = call.op;
  const bool backward = name.ends_with(".bwd");
  if (kind == "norm") return norm(c, config, backward);
  if (kind == "elementwise" && contains(name, "swiglu")) return swiglu(c, config, backward);
  if (kind == "elementwise" && name.starts_with("attn.rope")) return rope(c, config, backward);
  if (kind == "elementwise" && name == "head.cross_entropy") return cross_entropy(c, config);
  if (kind == "elementwise" && (name.ends_with(".input_grad_sum") || name.ends_with(".residual_grad_sum") ||
                                 name.ends_with(".residual_add")))
    return gradient_sum(c);
  if (kind == "router" && name.starts_with("moe.topk")) return router(c, config, backward);
  if (kind == "router" && name.starts_with("moe.balance_loss")) return balance_loss(c, config, backward);
  if (kind == "permute" && name.starts_with("moe.permute")) return permute(c, config, false, backward);
  if (kind == "permute" && name.starts_with("moe.combine_sum")) return permute(c, config, true, backward);
  if (kind == "embedding" && contains(name, "lookup")) return embedding(c, config, false);
  if (kind == "embedding" && contains(name, "scatter_add")) return embedding(c, config, true);
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
