// The CPU back-end (linear_gemm.h's *_cpu GEMMs, mla/'s FP64 attention) and the thread's attached back-end.
#include "kernels/model/compute_backend.h"

#include "kernels/model/adamw.h"
#include "kernels/model/embedding.h"
#include "kernels/model/gate_backward.h"
#include "kernels/model/gradient_sum.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/moe_layer.h"
#include "kernels/moe/grouped_gemm_ref.h"
#include "kernels/moe/router_ref.h"

namespace trainsim::kernels::model {

// The memory-bound ops' CPU references, every back-end's unless it overrides them.
std::vector<double> ComputeBackend::rmsnorm(std::span<const double> x, int rows, int dim, int stride,
                                            std::span<const double> gamma, double eps, GemmPrecision) {
  return rmsnorm_ref(x, rows, dim, stride, gamma, eps);
}
std::vector<double> ComputeBackend::rmsnorm_backward(std::span<const double> x, int rows, int dim, int stride,
                                                     std::span<const double> gamma, double eps,
                                                     std::span<const double> dy, std::span<double> dgamma,
                                                     GemmPrecision) {
  return rmsnorm_backward_ref(x, rows, dim, stride, gamma, eps, dy, dgamma);
}
void ComputeBackend::add(std::span<double> sum, std::span<const double> other, GemmPrecision) {
  add_gradient(sum, other);
}
void ComputeBackend::swiglu(std::span<const double> h, int rows, int inter, std::span<double> act, GemmPrecision) {
  swiglu_ref(h, rows, inter, act);
}
void ComputeBackend::swiglu_backward(std::span<const double> h, int rows, int inter, std::span<const double> d_act,
                                     std::span<double> dh, GemmPrecision) {
  swiglu_backward_ref(h, rows, inter, d_act, dh);
}
void ComputeBackend::assemble_qkv(const MlaDims& d, std::span<const double> q_up, std::span<const double> kv_up,
                                  std::span<const double> kv_down, std::span<const int> positions, MlaQkvRef& out,
                                  GemmPrecision) {
  assemble_qkv_ref(d, q_up, kv_up, kv_down, positions, out);
}
void ComputeBackend::assemble_qkv_backward(const MlaDims& d, std::span<const double> dq, std::span<const double> dk,
                                           std::span<const double> dv, std::span<const int> positions,
                                           std::vector<double>& d_q_up, std::vector<double>& d_kv_up,
                                           std::span<double> d_kv_down, GemmPrecision) {
  assemble_qkv_backward_ref(d, dq, dk, dv, positions, d_q_up, d_kv_up, d_kv_down);
}
void ComputeBackend::gather_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> x, int hidden,
                                        std::span<double> rows, GemmPrecision) {
  model::gather_expert_rows(layout, expert, x, hidden, rows);
}
void ComputeBackend::scatter_add_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> d_rows,
                                             int hidden, std::span<double> dx, GemmPrecision) {
  model::scatter_add_expert_rows(layout, expert, d_rows, hidden, dx);
}
void ComputeBackend::combine_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                         std::span<const double> rows, int hidden, std::span<double> y,
                                         GemmPrecision) {
  model::combine_expert_rows(layout, expert, gates, rows, hidden, y);
}
void ComputeBackend::combine_expert_rows_backward(const ExpertLayout& layout, int expert,
                                                  std::span<const double> gates, std::span<const double> rows,
                                                  std::span<const double> dy, int hidden, std::span<double> d_rows,
                                                  std::span<double> d_gates, GemmPrecision) {
  model::combine_expert_rows_backward(layout, expert, gates, rows, dy, hidden, d_rows, d_gates);
}
std::vector<double> ComputeBackend::embedding_forward(std::span<const double> table, int hidden,
                                                      std::span<const int> ids, GemmPrecision) {
  return model::embedding_forward(table, hidden, ids);
}
void ComputeBackend::embedding_backward(std::span<const int> ids, int hidden, std::span<const double> dy,
                                        std::span<double> d_table, GemmPrecision) {
  model::embedding_backward(ids, hidden, dy, d_table);
}
CrossEntropyResult ComputeBackend::cross_entropy(std::span<const double> logits, int rows, int vocab,
                                                 std::span<const int> targets, GemmPrecision) {
  return model::cross_entropy(logits, rows, vocab, targets);
}
void ComputeBackend::route(const RoutingRule& rule, std::span<const double> logits, std::span<const double> bias,
                           std::span<int> expert_ids, std::span<double> gates) {
  router_ref(rule, logits, bias, expert_ids, gates);
}
ExpertLayout ComputeBackend::plan_expert_layout(std::span<const int> expert_ids, int top_k, int num_experts,
                                               int align_rows) {
  return kernels::plan_expert_layout(expert_ids, top_k, num_experts, align_rows);
}
void ComputeBackend::gate_backward(const RoutingRule& rule, std::span<const double> logits,
                                   std::span<const int> expert_ids, std::span<const double> gates,
                                   std::span<const double> d_gates, std::span<double> d_logits) {
  const size_t experts = size_t(rule.num_experts), k = size_t(rule.top_k), tokens = logits.size() / experts;
  for (size_t t = 0; t < tokens; ++t)
    model::gate_backward(rule, &logits[t * experts], &expert_ids[t * k], &gates[t * k], &d_gates[t * k],
                         &d_logits[t * experts]);
}
BalanceLoss ComputeBackend::balance_loss(const RoutingRule& rule, const VarlenBatch& batch,
                                         std::span<const double> logits, std::span<const int> expert_ids,
                                         double alpha) {
  return sequence_balance_loss(rule, batch, logits, expert_ids, alpha);
}
void ComputeBackend::adamw_step(const AdamWConfig& config, int step, std::span<const AdamWTensor> tensors) {
  for (const AdamWTensor& t : tensors) model::adamw_step(config, step, t.weight_decay, t.grad, *t.state, t.weights);
}
void ComputeBackend::zero_gradients(ModelWeights& grads) { model::zero_gradients(grads); }

namespace {

class CpuBackend final : public ComputeBackend {
 public:
  std::string_view name() const override { return "cpu"; }
  std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                     GemmPrecision precision) override {
    return linear_forward_cpu(x, w, m, n, k, precision);
  }
  std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                   GemmPrecision precision) override {
    return linear_dgrad_cpu(w, dy, m, n, k, precision);
  }
  void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                    GemmPrecision precision) override {
    linear_wgrad_cpu(x, dy, m, n, k, dw, precision);
  }
  std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                        std::span<const double> k, std::span<const double> v) override {
    return attention_forward_ref(shape, q, k, v).o;
  }
  AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                       std::span<const double> k, std::span<const double> v,
                                       std::span<const double> d_o) override {
    return attention_backward_ref(shape, q, k, v, d_o);
  }
};

}  // namespace

ComputeBackend& cpu_backend() {
  static CpuBackend backend;  // stateless: one for every thread
  return backend;
}

ComputeBackend& current_backend() {
  ComputeBackend* attached = AttachBackend::attached();
  return attached != nullptr ? *attached : cpu_backend();
}

}  // namespace trainsim::kernels::model
