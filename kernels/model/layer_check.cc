// layer_check.h's checks; their bounds are layer_check_bounds.h's.
#include "kernels/model/layer_check.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "kernels/common/random_fill.h"
#include "kernels/mla/bf16_host.h"
#include "kernels/mla/mla_tolerances.h"
#include "kernels/model/layer_check_bounds.h"
#include "kernels/model/layer_check_ops.h"
#include "kernels/model/mla_attention_block.h"
#include "kernels/model/model_parameters.h"
#include "kernels/model/moe_layer.h"
#include "kernels/model/reduced_deepseek_v3.h"
#include "kernels/model/swiglu_mlp.h"
#include "kernels/moe/permute_ref.h"

namespace trainsim::kernels::model {

bool LayerCheckRow::passed() const { return std::isfinite(error) && error <= bound; }

namespace {

double l2(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v;
  return std::sqrt(s);
}

std::vector<double> magnitudes(std::span<const double> x) {
  std::vector<double> a(x.begin(), x.end());
  for (double& v : a) v = std::fabs(v);
  return a;
}

// Uniform in [-scale, scale), from the seed; BF16-representable when asked (the attention kernels' inputs).
std::vector<double> inputs(size_t count, unsigned long long seed, double scale, bool bf16 = false) {
  std::vector<double> x = uniform_doubles(count, seed);
  for (double& v : x) v = bf16 ? double(round_to_bf16(float(v * scale))) : v * scale;
  return x;
}

class Checker {
 public:
  Checker(const ModelConfig& c, ComputeBackend& reference, ComputeBackend& candidate, const LayerCheckOptions& o)
      : c_(c),
        reference_(reference),
        candidate_(candidate),
        o_(o),
        tokens_(o.sequences * o.length),
        weights_(init_weights(c, o.seed)) {}

  std::vector<LayerCheckRow> run() {
    linear_shapes();
    attention();
    memory_bound_ops();
    mla();
    mlp();
    moe();
    whole_model();
    return std::move(rows_);
  }

 private:
  void add(std::string layer, std::string output, double error, double bound) {
    rows_.push_back(LayerCheckRow{std::move(layer), std::move(output), error, bound});
  }
  unsigned long long seed() { return o_.seed * 1000003ull + ++draws_; }

  // f() once with each back-end attached (the layers' GEMMs and attention go to it): {the reference's, the
  // candidate's}.
  template <typename F>
  auto on_both(F&& f) {
    auto reference = [&] {
      const AttachBackend attach(&reference_);
      return f();
    }();
    const AttachBackend attach(&candidate_);
    return std::pair{std::move(reference), f()};
  }

  // Every linear of the model: (name, in, out, precision); token counts T and a ragged one (an expert's rows).
  void linear_shapes() {
    const MlaDims d = c_.mla_dims();
    struct Linear {
      const char* name;
      int in, out;
      GemmPrecision precision;
    };
    const GemmPrecision p = o_.precision;
    const Linear linears[] = {
        {"q_down", d.hidden, d.q_lora, p},
        {"q_up", d.q_lora, d.heads * d.qk_dim(), p},
        {"kv_down", d.hidden, d.kv_down_dim(), p},
        {"kv_up", d.kv_lora, d.heads * d.kv_up_dim(), p},
        {"o_proj", d.heads * d.v_dim, d.hidden, p},
        {"mlp.gate_up", d.hidden, 2 * c_.intermediate_size, p},
        {"mlp.down", c_.intermediate_size, d.hidden, p},
        {"expert.gate_up", d.hidden, 2 * c_.moe_intermediate_size, p},
        {"expert.down", c_.moe_intermediate_size, d.hidden, p},
        {"moe.gate", d.hidden, c_.n_routed_experts, kOriginalPrecision},
        {"head", d.hidden, c_.vocab_size, kOriginalPrecision},
    };
    for (const Linear& l : linears) {
      if (l.in == 0 || l.out == 0) continue;
      for (int t : {tokens_, tokens_ / 3 + 1}) linear(l.name, t, l.in, l.out, l.precision);
    }
  }

  void linear(const std::string& name, int t, int in, int out, GemmPrecision precision) {
    const std::vector<double> x = inputs(size_t(t) * in, seed(), 1), w = inputs(size_t(out) * in, seed(), 0.1),
                              dy = inputs(size_t(t) * out, seed(), 1);
    const std::string at = " (T=" + std::to_string(t) + ", " + std::to_string(in) + " -> " + std::to_string(out) +
                           ", " + std::string(to_string(precision)) + ")";
    const std::vector<double> ax = magnitudes(x), aw = magnitudes(w), ady = magnitudes(dy);
    // Fprop: K = in. Dgrad: K = out. Wgrad: K = T.
    const double y_norm = l2(linear_forward_cpu(ax, aw, t, out, in, GemmPrecision::kFP64));
    add("gemm " + name + ".fprop" + at, "y",
        l2(difference(reference_.linear_forward(x, w, t, out, in, precision),
                      candidate_.linear_forward(x, w, t, out, in, precision))) / y_norm,
        gemm_bound(precision, in));
    const double dx_norm = l2(linear_dgrad_cpu(aw, ady, t, out, in, GemmPrecision::kFP64));
    add("gemm " + name + ".dgrad" + at, "dx",
        l2(difference(reference_.linear_dgrad(w, dy, t, out, in, precision),
                      candidate_.linear_dgrad(w, dy, t, out, in, precision))) / dx_norm,
        gemm_bound(precision, out));
    std::vector<double> dw_abs(w.size(), 0), dw_ref(w.size(), 0), dw_got(w.size(), 0);
    linear_wgrad_cpu(ax, ady, t, out, in, dw_abs, GemmPrecision::kFP64);
    reference_.linear_wgrad(x, dy, t, out, in, dw_ref, precision);
    candidate_.linear_wgrad(x, dy, t, out, in, dw_got, precision);
    add("gemm " + name + ".wgrad" + at, "dw", l2(difference(dw_ref, dw_got)) / l2(dw_abs), gemm_bound(precision, t));
  }

  static std::vector<double> difference(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return {std::numeric_limits<double>::quiet_NaN()};
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
    return d;
  }

  // The attention core on BF16-representable inputs: the reference's FP64 on the same values the kernel reads.
  void attention() {
    const MlaDims d = c_.mla_dims();
    const AttentionShape shape{VarlenBatch::from_lengths(ragged_lengths()), d.heads, d.qk_dim(), d.v_dim, 0};
    const int t = shape.batch.total_tokens();
    const std::vector<double> q = inputs(size_t(t) * d.heads * d.qk_dim(), seed(), 1, true),
                              k = inputs(size_t(t) * d.heads * d.qk_dim(), seed(), 1, true),
                              v = inputs(size_t(t) * d.heads * d.v_dim, seed(), 1, true),
                              d_o = inputs(size_t(t) * d.heads * d.v_dim, seed(), 1, true);
    add("attention.forward", "o",
        relative_l2(candidate_.attention_forward(shape, q, k, v), reference_.attention_forward(shape, q, k, v)),
        kBf16OutputRelL2);
    const AttentionGradsRef ref = reference_.attention_backward(shape, q, k, v, d_o);
    const AttentionGradsRef got = candidate_.attention_backward(shape, q, k, v, d_o);
    add("attention.backward", "dq", relative_l2(got.dq, ref.dq), kBf16OutputRelL2);
    add("attention.backward", "dk", relative_l2(got.dk, ref.dk), kBf16OutputRelL2);
    add("attention.backward", "dv", relative_l2(got.dv, ref.dv), kBf16OutputRelL2);
  }

  // The memory-bound ops and the model's two ends, one op at a time (layer_check_ops.h).
  void memory_bound_ops() {
    const LayerOpInputs in{c_, reference_, candidate_, o_.precision, tokens_, ragged_lengths(),
                           [this](size_t count) { return inputs(count, seed(), 1, true); }};
    for (LayerCheckRow& row : check_single_ops(in)) rows_.push_back(std::move(row));
  }

  // The batch's sequences at unequal lengths (the last one shorter), so that tiles and sequence ends are ragged.
  std::vector<int> ragged_lengths() const {
    std::vector<int> lengths(o_.sequences, o_.length);
    if (o_.sequences > 1) lengths.back() = o_.length - o_.length / 3;
    return lengths;
  }

  // MLA forward and backward. Chains: forward q_down -> q_norm -> q_up -> rope -> attention -> o_proj (3 GEMMs,
  // 2 memory-bound ops, 1 pass); backward adds o_proj's dgrad -> attention -> rope -> q_up's -> q_norm -> q_down's ->
  // the gradient sum (3 more GEMMs, 3 more memory-bound ops, 1 more pass, its forward recomputation inside).
  void mla() {
    const MlaDims d = c_.mla_dims();
    const MlaWeights& w = weights_.layers.at(0).mla;
    const VarlenBatch batch = VarlenBatch::from_lengths(ragged_lengths());
    const int t = batch.total_tokens();
    const std::vector<double> x = inputs(size_t(t) * d.hidden, seed(), 1), dy = inputs(size_t(t) * d.hidden, seed(), 1);
    struct Run {
      std::vector<double> y, dx;
      MlaWeights grads;
    };
    const auto [ref, got] = on_both([&] {
      Run r;
      MlaCache cache;
      r.y = mla_attention_forward(d, w, batch, x, cache, o_.precision);
      r.grads = zero_mla_weights(d);
      r.dx = mla_attention_backward(d, w, cache, dy, r.grads);
      return r;
    });
    const double forward = chain_budget(o_.precision, 3, 1, 2), backward = chain_budget(o_.precision, 6, 2, 5);
    add("mla.forward", "y", relative_l2(got.y, ref.y), forward);
    add("mla.backward", "dx", relative_l2(got.dx, ref.dx), backward);
    const std::pair<const char*, std::vector<double> MlaWeights::*> tensors[] = {
        {"w_dq", &MlaWeights::w_dq}, {"gamma_q", &MlaWeights::gamma_q}, {"w_uq", &MlaWeights::w_uq},
        {"w_dkv", &MlaWeights::w_dkv}, {"gamma_kv", &MlaWeights::gamma_kv}, {"w_ukv", &MlaWeights::w_ukv},
        {"w_o", &MlaWeights::w_o}};
    for (const auto& [name, member] : tensors)
      add("mla.backward", name, relative_l2(got.grads.*member, ref.grads.*member), backward);
  }

  // A SwiGLU MLP forward and backward. Chains: gate_up -> swiglu -> down (2 GEMMs, 1 memory-bound op); backward adds
  // down's dgrad -> swiglu -> gate_up's (2 more GEMMs, 1 more op).
  void swiglu_rows(const std::string& layer, const SwigluWeights& w, int rows, OpKind kind) {
    const std::vector<double> x = inputs(size_t(rows) * w.hidden, seed(), 1),
                              dy = inputs(size_t(rows) * w.hidden, seed(), 1);
    struct Run {
      std::vector<double> y, dx;
      SwigluWeights grads;
    };
    const auto [ref, got] = on_both([&] {
      Run r;
      SwigluCache cache;
      r.y = swiglu_mlp_forward(w, x, rows, cache, o_.precision, kind);
      r.grads = SwigluWeights::zeros(w.hidden, w.inter);
      r.dx = swiglu_mlp_backward(w, cache, dy, r.grads);
      return r;
    });
    const double backward = chain_budget(o_.precision, 4, 0, 2);
    add(layer + ".forward", "y", relative_l2(got.y, ref.y), chain_budget(o_.precision, 2, 0, 1));
    add(layer + ".backward", "dx", relative_l2(got.dx, ref.dx), backward);
    add(layer + ".backward", "w_gate_up", relative_l2(got.grads.w_gate_up, ref.grads.w_gate_up), backward);
    add(layer + ".backward", "w_down", relative_l2(got.grads.w_down, ref.grads.w_down), backward);
  }

  void mlp() {
    if (c_.first_k_dense_replace == 0) return;
    swiglu_rows("mlp", weights_.layers.at(0).dense, tokens_, OpKind::kMlpGemm);
  }

  // The MoE layer: the router (kOriginalPrecision on both sides, so the same experts), then the experts' SwiGLU
  // (GEMM chains as the MLP's; gather -> swiglu -> combine, 3 memory-bound ops forward, and combine's backward ->
  // swiglu -> scatter-add -> the gradient sum, 4 more, back) and the gates' gradient into the router.
  void moe() {
    if (c_.first_k_dense_replace >= c_.num_hidden_layers) return;
    const MoeWeights& w = weights_.layers.at(c_.first_k_dense_replace).moe;
    const RoutingRule rule = c_.routing_rule();
    const int rows = tokens_;
    const std::vector<double> x = inputs(size_t(rows) * c_.hidden_size, seed(), 1),
                              dy = inputs(size_t(rows) * c_.hidden_size, seed(), 1),
                              bias(c_.n_routed_experts, 0.0);
    struct Run {
      std::vector<double> y, dx;
      std::vector<int> experts;
      MoeWeights grads;
    };
    const auto [ref, got] = on_both([&] {
      Run r;
      MoeCache cache;
      r.y = moe_forward(rule, w, bias, x, rows, cache, o_.precision);
      r.experts = cache.expert_ids;
      r.grads = MoeWeights::zeros(c_.hidden_size, c_.n_routed_experts, c_.moe_intermediate_size,
                                  c_.moe_intermediate_size * c_.n_shared_experts);
      r.dx = moe_backward(rule, w, cache, dy, r.grads);
      return r;
    });
    double differing = ref.experts.size() == got.experts.size() ? 0 : std::numeric_limits<double>::quiet_NaN();
    for (size_t i = 0; i < ref.experts.size() && i < got.experts.size(); ++i) differing += ref.experts[i] != got.experts[i];
    add("moe.router", "experts chosen (differing)", differing, 0);
    const double backward = chain_budget(o_.precision, 4, 0, 7);
    add("moe.forward", "y", relative_l2(got.y, ref.y), chain_budget(o_.precision, 2, 0, 3));
    add("moe.backward", "dx", relative_l2(got.dx, ref.dx), backward);
    add("moe.backward", "w_router", relative_l2(got.grads.w_router, ref.grads.w_router), backward);
    std::vector<double> ref_experts, got_experts;
    for (size_t e = 0; e < ref.grads.experts.size(); ++e) {
      for (const auto* v : {&ref.grads.experts[e].w_gate_up, &ref.grads.experts[e].w_down})
        ref_experts.insert(ref_experts.end(), v->begin(), v->end());
      for (const auto* v : {&got.grads.experts[e].w_gate_up, &got.grads.experts[e].w_down})
        got_experts.insert(got_experts.end(), v->begin(), v->end());
    }
    add("moe.backward", "routed experts' weights", relative_l2(got_experts, ref_experts), backward);
    add("moe.backward", "shared expert's weights",
        relative_l2(concat(got.grads.shared), concat(ref.grads.shared)), backward);
  }

  static std::vector<double> concat(const SwigluWeights& w) {
    std::vector<double> v(w.w_gate_up);
    v.insert(v.end(), w.w_down.begin(), w.w_down.end());
    return v;
  }

  // The whole model, every layer dense (no top-k choice to flip), on a byte sequence. A weight's gradient passes
  // through at most 5 GEMMs per block forward (MLA's down, up and output projections, the MLP's two) over the
  // blocks and the MTP depths, plus each MTP projection, and as many back (precision_model_test's count: 52 for the
  // small config); attention: one pass each way per MLA layer; memory-bound ops: per block 7 forward (attn_norm,
  // q_norm, rope, the residual add and ffn_norm, swiglu, the residual add) and 8 back (ffn_norm's backward and the
  // residual's gradient sum, swiglu, rope, q_norm, MLA's gradient sum, attn_norm's and the residual's), the MTP
  // input norms one each way per depth, and at each of the main model's and each depth's ends its embedding's lookup
  // and scatter-add and its final norm each way (4; the loss runs at the head's FP64).
  void whole_model() {
    ModelConfig dense = c_;
    dense.first_k_dense_replace = dense.num_hidden_layers;
    const int blocks = dense.num_hidden_layers + dense.num_nextn_predict_layers;
    const int gemms = 2 * (5 * blocks + dense.num_nextn_predict_layers);
    const VarlenBatch batch = VarlenBatch::from_lengths(ragged_lengths());
    const std::string text = "Multi-head latent attention compresses keys and values; the experts share one router.";
    std::vector<int> ids;
    for (int i = 0; i < batch.total_tokens(); ++i)
      ids.push_back(static_cast<unsigned char>(text[i % text.size()]) % dense.vocab_size);
    struct Run {
      double loss = 0;
      ModelWeights grads;
    };
    auto run = [&](ComputeBackend& backend) {
      ReducedDeepSeekV3 model(dense, o_.seed);
      model.options.gemm_precision = o_.precision;
      model.options.backend = &backend;
      Run r;
      r.loss = model.forward(ids, batch).total_loss;
      r.grads = model.backward();
      return r;
    };
    Run ref = run(reference_), got = run(candidate_);
    const double bound =
        chain_budget(o_.precision, gemms, 2 * blocks, 15 * blocks + 2 * dense.num_nextn_predict_layers +
                                                           4 * (1 + dense.num_nextn_predict_layers));
    add("model", "loss", std::fabs(got.loss - ref.loss) / std::fabs(ref.loss), bound);
    double worst = 0;
    std::string worst_name = "gradients";
    std::vector<double> all_ref, all_got;
    for_each_parameter(ref.grads, got.grads,
                       [&](const std::string& name, int, const std::vector<double>& a, const std::vector<double>& b) {
                         all_ref.insert(all_ref.end(), a.begin(), a.end());
                         all_got.insert(all_got.end(), b.begin(), b.end());
                         const double e = relative_l2(b, a);
                         if (!(e <= worst)) worst = e, worst_name = name;
                       });
    add("model", "every gradient (L2)", relative_l2(all_got, all_ref), bound);
    add("model", "worst tensor: " + worst_name, worst, bound);
  }

  const ModelConfig& c_;
  ComputeBackend& reference_;
  ComputeBackend& candidate_;
  LayerCheckOptions o_;
  int tokens_;
  ModelWeights weights_;  // the model's initial weights, whose layers the layer checks run
  unsigned long long draws_ = 0;
  std::vector<LayerCheckRow> rows_;
};

}  // namespace

std::vector<LayerCheckRow> check_layers(const ModelConfig& c, ComputeBackend& reference, ComputeBackend& candidate,
                                        const LayerCheckOptions& options) {
  return Checker(c, reference, candidate, options).run();
}

std::string layer_check_table(const std::vector<LayerCheckRow>& rows) {
  std::string out = "| layer | output | error | bound | |\n| --- | --- | ---: | ---: | --- |\n";
  for (const LayerCheckRow& r : rows) {
    char figures[64];
    std::snprintf(figures, sizeof figures, "%.3g | %.3g", r.error, r.bound);
    out += "| " + r.layer + " | " + r.output + " | " + figures + " | " + (r.passed() ? "pass" : "FAIL") + " |\n";
  }
  return out;
}

}  // namespace trainsim::kernels::model
