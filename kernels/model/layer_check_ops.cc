// layer_check_ops.h's rows; their bounds are layer_check_bounds.h's.
#include "kernels/model/layer_check_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "kernels/mla/mla_projections_ref.h"
#include "kernels/model/adamw.h"
#include "kernels/model/layer_check_bounds.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/model_parameters.h"
#include "kernels/moe/permute_ref.h"

namespace trainsim::kernels::model {

double relative_l2(const std::vector<double>& got, const std::vector<double>& ref) {
  if (got.size() != ref.size()) return std::numeric_limits<double>::quiet_NaN();
  double d = 0, n = 0;
  for (size_t i = 0; i < ref.size(); ++i) d += (got[i] - ref[i]) * (got[i] - ref[i]), n += ref[i] * ref[i];
  return n == 0 ? (d == 0 ? 0 : std::numeric_limits<double>::infinity()) : std::sqrt(d / n);
}

namespace {

class SingleOpChecker {
 public:
  explicit SingleOpChecker(const LayerOpInputs& in) : in_(in) {}

  std::vector<LayerCheckRow> run() {
    memory_bound_ops();
    embedding_and_loss();
    routing();
    optimizer();
    return std::move(rows_);
  }

 private:
  void add(std::string layer, std::string output, double error, double bound) {
    rows_.push_back(LayerCheckRow{std::move(layer), std::move(output), error, bound});
  }
  std::vector<double> draw(size_t count) const { return in_.draw(count); }

  void memory_bound_ops() {
    const MlaDims d = in_.config.mla_dims();
    const GemmPrecision p = in_.precision;
    const int t = in_.tokens;
    const double stored = memory_bound_op_bound(p, true), kept = memory_bound_op_bound(p, false);
    struct Norm {
      const char* name;
      int dim, stride;
    };
    for (const Norm& n : {Norm{"norm (hidden)", in_.config.hidden_size, in_.config.hidden_size},
                          Norm{"norm (kv latent)", d.kv_lora, d.kv_down_dim()}}) {
      const std::vector<double> x = draw(size_t(t) * n.stride), gamma = draw(n.dim), dy = draw(size_t(t) * n.dim);
      add(std::string(n.name) + ".forward", "y",
          relative_l2(in_.candidate.rmsnorm(x, t, n.dim, n.stride, gamma, d.rms_eps, p),
                      in_.reference.rmsnorm(x, t, n.dim, n.stride, gamma, d.rms_eps, p)),
          stored);
      std::vector<double> dgamma_ref(n.dim, 0.0), dgamma_got(n.dim, 0.0);
      const std::vector<double> dx_ref =
          in_.reference.rmsnorm_backward(x, t, n.dim, n.stride, gamma, d.rms_eps, dy, dgamma_ref, p);
      const std::vector<double> dx_got =
          in_.candidate.rmsnorm_backward(x, t, n.dim, n.stride, gamma, d.rms_eps, dy, dgamma_got, p);
      add(std::string(n.name) + ".backward", "dx", relative_l2(dx_got, dx_ref), stored);
      add(std::string(n.name) + ".backward", "dgamma", relative_l2(dgamma_got, dgamma_ref), kept);
    }
    {
      const std::vector<double> a = draw(size_t(t) * in_.config.hidden_size), b = draw(a.size());
      std::vector<double> sum_ref = a, sum_got = a;
      in_.reference.add(sum_ref, b, p);
      in_.candidate.add(sum_got, b, p);
      add("add", "sum", relative_l2(sum_got, sum_ref), stored);
    }
    if (const int inter =
            in_.config.moe_intermediate_size > 0 ? in_.config.moe_intermediate_size : in_.config.intermediate_size;
        inter > 0) {
      const std::vector<double> h = draw(size_t(t) * 2 * inter), d_act = draw(size_t(t) * inter);
      std::vector<double> act_ref(d_act.size()), act_got(d_act.size()), dh_ref(h.size()), dh_got(h.size());
      in_.reference.swiglu(h, t, inter, act_ref, p);
      in_.candidate.swiglu(h, t, inter, act_got, p);
      add("swiglu.forward", "act", relative_l2(act_got, act_ref), stored);
      in_.reference.swiglu_backward(h, t, inter, d_act, dh_ref, p);
      in_.candidate.swiglu_backward(h, t, inter, d_act, dh_got, p);
      add("swiglu.backward", "dh", relative_l2(dh_got, dh_ref), stored);
    }
    rope(d, p, stored);
    expert_rows_ops(p, stored, kept);
  }

  void rope(const MlaDims& d, GemmPrecision p, double stored) {
    const std::vector<int> positions = VarlenBatch::from_lengths(in_.ragged_lengths).positions();
    const size_t t = positions.size(), rows = t * d.heads;
    const std::vector<double> q_up = draw(rows * d.qk_dim()), kv_up = draw(rows * d.kv_up_dim()),
                              kv_down = draw(t * d.kv_down_dim());
    MlaQkvRef ref, got;
    in_.reference.assemble_qkv(d, q_up, kv_up, kv_down, positions, ref, p);
    in_.candidate.assemble_qkv(d, q_up, kv_up, kv_down, positions, got, p);
    add("rope.forward", "q", relative_l2(got.q, ref.q), stored);
    add("rope.forward", "k", relative_l2(got.k, ref.k), stored);
    add("rope.forward", "v", relative_l2(got.v, ref.v), stored);
    const std::vector<double> dq = draw(ref.q.size()), dk = draw(ref.k.size()), dv = draw(ref.v.size());
    std::vector<double> d_q_up_ref, d_kv_up_ref, d_q_up_got, d_kv_up_got, d_kv_down_ref(kv_down.size(), 0.0),
        d_kv_down_got(kv_down.size(), 0.0);
    in_.reference.assemble_qkv_backward(d, dq, dk, dv, positions, d_q_up_ref, d_kv_up_ref, d_kv_down_ref, p);
    in_.candidate.assemble_qkv_backward(d, dq, dk, dv, positions, d_q_up_got, d_kv_up_got, d_kv_down_got, p);
    add("rope.backward", "d_q_up", relative_l2(d_q_up_got, d_q_up_ref), stored);
    add("rope.backward", "d_kv_up", relative_l2(d_kv_up_got, d_kv_up_ref), stored);
    add("rope.backward", "d_kv_down", relative_l2(d_kv_down_got, d_kv_down_ref), stored);
  }

  // One expert's gather, combine, scatter-add and combine backward, on the rows a round-robin choice of top-k experts
  // gives it (every token's k experts distinct), the expert with the most rows.
  void expert_rows_ops(GemmPrecision p, double stored, double kept) {
    const int experts = in_.config.n_routed_experts, k = in_.config.num_experts_per_tok,
              hidden = in_.config.hidden_size, t = in_.tokens;
    if (experts == 0 || k == 0) return;
    std::vector<int> ids;
    for (int token = 0; token < t; ++token)
      for (int j = 0; j < k; ++j) ids.push_back((token * (k + 1) + j) % experts);
    const ExpertLayout layout = plan_expert_layout(ids, k, experts, 1);
    int e = 0;
    for (int i = 1; i < experts; ++i)
      if (layout.counts[i] > layout.counts[e]) e = i;
    const size_t count = size_t(layout.counts[e]);
    const std::vector<double> x = draw(size_t(t) * hidden), gates = draw(size_t(t) * k), out = draw(count * hidden),
                              y0 = draw(x.size()), dy = draw(x.size());
    const std::string layer = "expert " + std::to_string(e) + " (" + std::to_string(count) + " rows)";
    std::vector<double> rows_ref(count * hidden), rows_got(count * hidden);
    in_.reference.gather_expert_rows(layout, e, x, hidden, rows_ref, p);
    in_.candidate.gather_expert_rows(layout, e, x, hidden, rows_got, p);
    add(layer + " gather", "rows", relative_l2(rows_got, rows_ref), stored);
    std::vector<double> y_ref = y0, y_got = y0, dx_ref = y0, dx_got = y0;
    in_.reference.combine_expert_rows(layout, e, gates, out, hidden, y_ref, p);
    in_.candidate.combine_expert_rows(layout, e, gates, out, hidden, y_got, p);
    add(layer + " combine", "y", relative_l2(y_got, y_ref), kept);
    in_.reference.scatter_add_expert_rows(layout, e, out, hidden, dx_ref, p);
    in_.candidate.scatter_add_expert_rows(layout, e, out, hidden, dx_got, p);
    add(layer + " scatter-add", "dx", relative_l2(dx_got, dx_ref), kept);
    std::vector<double> d_rows_ref(count * hidden), d_rows_got(count * hidden), d_gates_ref(gates.size(), 0.0),
        d_gates_got(gates.size(), 0.0);
    in_.reference.combine_expert_rows_backward(layout, e, gates, out, dy, hidden, d_rows_ref, d_gates_ref, p);
    in_.candidate.combine_expert_rows_backward(layout, e, gates, out, dy, hidden, d_rows_got, d_gates_got, p);
    add(layer + " combine.backward", "d_rows", relative_l2(d_rows_got, d_rows_ref), stored);
    add(layer + " combine.backward", "d_gates", relative_l2(d_gates_got, d_gates_ref), kept);
  }

  // The model's two ends: the embedding's lookup and its gradient's scatter-add (ids repeating, rows kept at the
  // run's storage), and the loss over the vocabulary (its logits at the head's precision, kOriginalPrecision, as the
  // model runs it; a row without a target, as a sequence's last).
  void embedding_and_loss() {
    const int t = in_.tokens, hidden = in_.config.hidden_size, vocab = in_.config.vocab_size;
    const GemmPrecision p = in_.precision;
    if (t == 0 || vocab == 0) return;
    std::vector<int> ids, targets;
    for (int i = 0; i < t; ++i) {
      ids.push_back(int((i * 7L) % std::max(1, vocab / 2)));  // half the table: ids repeat, some rows stay unread
      targets.push_back(i + 1 < t ? int((i * 13L) % vocab) : -1);
    }
    const std::vector<double> table = draw(size_t(vocab) * hidden), dy = draw(size_t(t) * hidden),
                              d_table0 = draw(table.size()), logits = draw(size_t(t) * vocab);
    add("embedding.forward", "rows",
        relative_l2(in_.candidate.embedding_forward(table, hidden, ids, p),
                    in_.reference.embedding_forward(table, hidden, ids, p)),
        memory_bound_op_bound(p, true));
    std::vector<double> d_table_ref = d_table0, d_table_got = d_table0;
    in_.reference.embedding_backward(ids, hidden, dy, d_table_ref, p);
    in_.candidate.embedding_backward(ids, hidden, dy, d_table_got, p);
    add("embedding.backward", "d_table", relative_l2(d_table_got, d_table_ref), memory_bound_op_bound(p, false));
    const CrossEntropyResult ref = in_.reference.cross_entropy(logits, t, vocab, targets, kOriginalPrecision);
    const CrossEntropyResult got = in_.candidate.cross_entropy(logits, t, vocab, targets, kOriginalPrecision);
    const double bound = memory_bound_op_bound(kOriginalPrecision, true);
    add("cross_entropy", "loss", std::fabs(got.loss - ref.loss) / std::fabs(ref.loss), bound);
    add("cross_entropy", "d_logits", relative_l2(got.d_logits, ref.d_logits), bound);
  }

  // The routing in FP64 on both sides (the gate's precision): the experts chosen (none may differ) and their gates,
  // the experts' layout (identical), the gates' gradient into the logits, and the balance loss with its gradient over
  // the ragged batch; FP64 in another order and the device's exp within an ulp of the host's: 1e-12.
  void routing() {
    const ModelConfig& c = in_.config;
    if (c.n_routed_experts == 0 || c.num_experts_per_tok == 0) return;
    const RoutingRule rule = c.routing_rule();
    const VarlenBatch batch = VarlenBatch::from_lengths(in_.ragged_lengths);
    const size_t t = size_t(batch.total_tokens()), experts = size_t(rule.num_experts), k = size_t(rule.top_k);
    const std::vector<double> logits = draw(t * experts), bias = draw(experts), d_gates = draw(t * k),
                              d_logits0 = draw(t * experts);
    std::vector<int> ids_ref(t * k), ids_got(t * k);
    std::vector<double> gates_ref(t * k), gates_got(t * k);
    in_.reference.route(rule, logits, bias, ids_ref, gates_ref);
    in_.candidate.route(rule, logits, bias, ids_got, gates_got);
    double differing = 0;
    for (size_t i = 0; i < ids_ref.size(); ++i) differing += ids_ref[i] != ids_got[i];
    add("routing.topk", "experts chosen (differing)", differing, 0);
    add("routing.topk", "gates", relative_l2(gates_got, gates_ref), 1e-12);
    const ExpertLayout layout_ref = in_.reference.plan_expert_layout(ids_ref, rule.top_k, rule.num_experts, 1);
    const ExpertLayout layout_got = in_.candidate.plan_expert_layout(ids_ref, rule.top_k, rule.num_experts, 1);
    const bool same_layout = layout_got.counts == layout_ref.counts && layout_got.offsets == layout_ref.offsets &&
                             layout_got.row_of == layout_ref.row_of && layout_got.slot_of == layout_ref.slot_of;
    add("routing.layout", "rows (differing arrays)", same_layout ? 0 : 1, 0);
    std::vector<double> d_logits_ref = d_logits0, d_logits_got = d_logits0;
    in_.reference.gate_backward(rule, logits, ids_ref, gates_ref, d_gates, d_logits_ref);
    in_.candidate.gate_backward(rule, logits, ids_ref, gates_ref, d_gates, d_logits_got);
    add("routing.topk.backward", "d_logits", relative_l2(d_logits_got, d_logits_ref), 1e-12);
    const double alpha = 1e-4;  // DeepSeek-V3's (sequence_balance_loss.h)
    const BalanceLoss ref = in_.reference.balance_loss(rule, batch, logits, ids_ref, alpha);
    const BalanceLoss got = in_.candidate.balance_loss(rule, batch, logits, ids_ref, alpha);
    add("routing.balance_loss", "loss", std::fabs(got.loss - ref.loss) / std::fabs(ref.loss), 1e-12);
    add("routing.balance_loss", "d_logits", relative_l2(got.d_logits, ref.d_logits), 1e-12);
  }

  // AdamW's step, twice (the moments carry over), on a weight of the hidden size squared (decayed) and a gain of the
  // hidden size (not), and the gradients' zeroing. The updates compared, ||dw_got - dw_ref|| / ||dw_ref||: the
  // device's kernel rounds every FP32 operation as the reference does, so 0; bound 2^-8, a BF16 ulp of a moment, what
  // one FP32 rounding apart could flip. The zeroing: every gradient of the model 0 after it, exactly.
  void optimizer() {
    const size_t hidden = size_t(in_.config.hidden_size), count = hidden * hidden + hidden;
    const std::vector<double> w0 = draw(count), g1 = draw(count), g2 = draw(count);
    const AdamWConfig config;
    auto update = [&](ComputeBackend& backend) {
      const std::span<const double> weight0(w0.data(), hidden * hidden), gain0(w0.data() + hidden * hidden, hidden);
      AdamWState weight = adamw_state(weight0), gain = adamw_state(gain0);
      std::vector<double> w = w0;
      const std::span<double> weight_of(w.data(), hidden * hidden), gain_of(w.data() + hidden * hidden, hidden);
      for (const auto* g : {&g1, &g2}) {
        const AdamWTensor tensors[] = {
            {config.weight_decay, std::span<const double>(g->data(), hidden * hidden), &weight, weight_of},
            {0.0, std::span<const double>(g->data() + hidden * hidden, hidden), &gain, gain_of}};
        backend.adamw_step(config, g == &g1 ? 1 : 2, tensors);
      }
      for (size_t i = 0; i < count; ++i) w[i] -= w0[i];
      return w;
    };
    add("adamw (2 steps)", "dw", relative_l2(update(in_.candidate), update(in_.reference)), std::ldexp(1.0, -8));
    ModelWeights grads = ModelWeights::zeros(in_.config);
    for_each_parameter(grads, grads, [](const std::string&, int, std::vector<double>& t, std::vector<double>&) {
      std::fill(t.begin(), t.end(), 1.0);
    });
    in_.candidate.zero_gradients(grads);
    double left = 0;
    for_each_parameter(grads, grads, [&](const std::string&, int, std::vector<double>& t, std::vector<double>&) {
      for (const double g : t) left += g * g;
    });
    add("gradient zeroing", "|g|", std::sqrt(left), 0);
  }

  const LayerOpInputs& in_;
  std::vector<LayerCheckRow> rows_;
};

}  // namespace

std::vector<LayerCheckRow> check_single_ops(const LayerOpInputs& in) { return SingleOpChecker(in).run(); }

}  // namespace trainsim::kernels::model
