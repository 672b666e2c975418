// Where the reduced model's matrix arithmetic runs: one model definition (the layers call linear_gemm.h and
// attention_core.h) over two back-ends. The CPU back-end is the references (linear_gemm.cc's FP64, BF16 and FP8
// paths, mla/'s attention); the CUDA back-end (cuda_backend.h) runs the same calls on the GPU with the project's
// kernels. The layers hand over and receive host FP64 tensors either way, so the two back-ends are compared on the
// same inputs, layer by layer (layer_check.h).
//
// What goes through a back-end: the linear layers' three GEMMs and the attention core, forward and backward: every
// matrix product of the model (op_catalog_agreement_test counts them); and the memory-bound ops of the norm and
// element-wise and permute kinds: the RMSNorms, the residual and gradient adds, SwiGLU's activation, RoPE with the
// q/k/v assembly, and each routed expert's gather, scatter-add and gated combine, forward and backward; the model's
// two ends: the embedding's lookup and scatter-add, and the cross-entropy with its gradient; the routing: the top-k
// choice with its gates, the experts' layout, the gates' gradient into the router's logits and the sequence-wise
// balance loss; and the optimizer: AdamW's step on each tensor and the gradients' zeroing. Only the experts' bias
// update stays on the host on every back-end (NOTES.md, "The CUDA back-end").
#pragma once
#include <span>
#include <string_view>
#include <vector>

#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_problem.h"
#include "kernels/mla/mla_projections_ref.h"
#include "kernels/model/cross_entropy.h"
#include "kernels/model/sequence_balance_loss.h"
#include "kernels/model/thread_attachment.h"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels::model {

enum class GemmPrecision;  // linear_gemm.h
struct AdamWConfig;        // adamw.h
struct AdamWTensor;        // adamw.h
struct ModelWeights;       // model_parameters.h

class ComputeBackend {
 public:
  virtual ~ComputeBackend() = default;
  virtual std::string_view name() const = 0;

  // linear_gemm.h's three GEMMs of y = x W^T, same arguments and layouts (row-major; w [n][k]).
  virtual std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n,
                                             int k, GemmPrecision precision) = 0;
  virtual std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                           GemmPrecision precision) = 0;
  // Adds the weight gradient into dw.
  virtual void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k,
                            std::span<double> dw, GemmPrecision precision) = 0;

  // The causal attention core (mla_attention_ref.h's layouts): o, and the gradients of sum(dO * O).
  virtual std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                                std::span<const double> k, std::span<const double> v) = 0;
  virtual AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                               std::span<const double> k, std::span<const double> v,
                                               std::span<const double> d_o) = 0;

  // The memory-bound ops, each the CPU reference's function with its arguments and layouts, plus the precision of
  // the GEMMs around it (a device keeps these ops' tensors as the run keeps its activations: BF16 where the GEMMs
  // run at BF16 or FP8, FP64 at FP64). Unless a back-end overrides one, it runs the CPU reference (what the CPU
  // back-end does, at every precision).
  virtual std::vector<double> rmsnorm(std::span<const double> x, int rows, int dim, int stride,
                                      std::span<const double> gamma, double eps, GemmPrecision precision);
  // Returns dx [rows][dim]; adds the gamma gradient into dgamma.
  virtual std::vector<double> rmsnorm_backward(std::span<const double> x, int rows, int dim, int stride,
                                               std::span<const double> gamma, double eps, std::span<const double> dy,
                                               std::span<double> dgamma, GemmPrecision precision);
  // sum += other (a residual add, gradient_sum.h's add_gradient).
  virtual void add(std::span<double> sum, std::span<const double> other, GemmPrecision precision);
  virtual void swiglu(std::span<const double> h, int rows, int inter, std::span<double> act,
                      GemmPrecision precision);
  virtual void swiglu_backward(std::span<const double> h, int rows, int inter, std::span<const double> d_act,
                               std::span<double> dh, GemmPrecision precision);
  virtual void assemble_qkv(const MlaDims& d, std::span<const double> q_up, std::span<const double> kv_up,
                            std::span<const double> kv_down, std::span<const int> positions, MlaQkvRef& out,
                            GemmPrecision precision);
  // d_kv_down's rope columns must hold zeros on entry (assemble_qkv_backward_ref rotates what they hold).
  virtual void assemble_qkv_backward(const MlaDims& d, std::span<const double> dq, std::span<const double> dk,
                                     std::span<const double> dv, std::span<const int> positions,
                                     std::vector<double>& d_q_up, std::vector<double>& d_kv_up,
                                     std::span<double> d_kv_down, GemmPrecision precision);
  // moe_layer.h's gather, scatter-add, combine and combine backward of one expert's rows.
  virtual void gather_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> x, int hidden,
                                  std::span<double> rows, GemmPrecision precision);
  virtual void scatter_add_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> d_rows,
                                       int hidden, std::span<double> dx, GemmPrecision precision);
  virtual void combine_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                   std::span<const double> rows, int hidden, std::span<double> y,
                                   GemmPrecision precision);
  virtual void combine_expert_rows_backward(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                            std::span<const double> rows, std::span<const double> dy, int hidden,
                                            std::span<double> d_rows, std::span<double> d_gates,
                                            GemmPrecision precision);
  // embedding.h's lookup and its gradient's scatter-add (into d_table), the embedding's rows stored as the run keeps
  // its activations (`precision`: the run's GEMMs').
  virtual std::vector<double> embedding_forward(std::span<const double> table, int hidden, std::span<const int> ids,
                                                GemmPrecision precision);
  virtual void embedding_backward(std::span<const int> ids, int hidden, std::span<const double> dy,
                                  std::span<double> d_table, GemmPrecision precision);
  // cross_entropy.h's loss and the logits' gradient, the logits stored at `precision` (the head's GEMM's).
  virtual CrossEntropyResult cross_entropy(std::span<const double> logits, int rows, int vocab,
                                           std::span<const int> targets, GemmPrecision precision);

  // The routing, in FP64 as the model routes (its gate at kOriginalPrecision): router_ref's choice and gates, the
  // experts' layout, the gates' gradient of every token added into d_logits (gate_backward.h), and
  // sequence_balance_loss.
  virtual void route(const RoutingRule& rule, std::span<const double> logits, std::span<const double> bias,
                     std::span<int> expert_ids, std::span<double> gates);
  // permute_ref.h's plan_expert_layout: which rows each expert gets (the host reads it back to issue each expert's
  // calls).
  virtual ExpertLayout plan_expert_layout(std::span<const int> expert_ids, int top_k, int num_experts, int align_rows);
  virtual void gate_backward(const RoutingRule& rule, std::span<const double> logits, std::span<const int> expert_ids,
                             std::span<const double> gates, std::span<const double> d_gates,
                             std::span<double> d_logits);
  virtual BalanceLoss balance_loss(const RoutingRule& rule, const VarlenBatch& batch, std::span<const double> logits,
                                   std::span<const int> expert_ids, double alpha);

  // adamw.h's step on each of `tensors` (their states and weights updated in place), and model_parameters.h's
  // zeroing of every gradient before a backward pass.
  virtual void adamw_step(const AdamWConfig& config, int step, std::span<const AdamWTensor> tensors);
  virtual void zero_gradients(ModelWeights& grads);
};

// The CPU references as a back-end (what runs when none is attached).
ComputeBackend& cpu_backend();

// The back-end the model's calls on this thread go to: the attached one, else cpu_backend().
ComputeBackend& current_backend();

// Attaches a back-end (null: the CPU) to this thread for the scope's life (thread_attachment.h). The model attaches
// RunOptions::backend around its forward and backward passes.
using AttachBackend = ThreadAttachment<ComputeBackend>;

}  // namespace trainsim::kernels::model
