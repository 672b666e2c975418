// The dense and MoE MLP blocks' ops (mlp_ops.h).
#include "models/mlp_ops.h"

#include "core/error.h"
#include "models/linear_biases.h"
#include "models/model_size.h"

namespace trainsim::models::catalog {
namespace {

// MLP of width `intermediate` on `rows` rows. Gated (SwiGLU, GeGLU): the fused gate/up GEMM, the activation
// times the up half, the down GEMM. Plain (GPT-2's GELU, ReLU): the up GEMM, the activation, the down GEMM.
// `save_input`: false when the input's producer (a norm) is recomputed in backward, or the caller keeps it.
// `act_module`: the recompute module that re-runs the activation (mlp_act, or moe_act for routed experts).
void mlp_block(MlpKind mlp, const std::string& name, OpRole role, LayerBuilder& b, double rows, double hidden,
               double intermediate, double weight_sets, OpKind kind, bool save_input, RecomputeModule act_module) {
  const OpContext& c = b.context();
  // Re-run, the activation keeps its input and not its output, the down-projection's input (DeepSeek-V3 caches
  // the SwiGLU input and recomputes its output in backward, tech report 3.3.3).
  const bool recompute_act = reruns(c, act_module);
  const double up_width = is_gated(mlp) ? 2 * intermediate : intermediate;
  b.gemm(name + (is_gated(mlp) ? ".gate_up" : ".up"), role, rows, hidden, up_width, gemm_dtype(c), save_input, false,
         kind, weight_sets);
  // DeepSeek-V3 caches the SwiGLU input in FP8 (tech report 3.3.2); BF16 otherwise.
  const double act_input_bytes = rows * up_width * element_bytes(gemm_dtype(c));
  b.elementwise(name + "." + std::string(mlp_activation_name(mlp)), role, rows, up_width, intermediate,
                act_input_bytes, recompute_act);
  b.gemm(name + ".down", role, rows, intermediate, hidden, gemm_dtype(c), !recompute_act, false, kind,
         weight_sets);
}

// The bias gradients of an MLP block's matrices (mlp_bias: GPT-2/3, GPT-OSS's experts): up (or gate and up) and down.
void mlp_bias_gradients(const ModelConfig& m, const std::string& name, OpRole role, LayerBuilder& b, double rows,
                        double intermediate, double weight_sets) {
  if (!m.mlp_bias) return;
  const double up_width = is_gated(m.mlp) ? 2 * intermediate : intermediate;
  b.add(bias_gradient_op(name + (is_gated(m.mlp) ? ".gate_up" : ".up"), role, rows, up_width, weight_sets));
  b.add(bias_gradient_op(name + ".down", role, rows, m.hidden_size, weight_sets));
}


}  // namespace

double dense_mlp(const ModelConfig& m, LayerBuilder& b) {
  const OpContext& c = b.context();
  const double h = m.hidden_size, inter = static_cast<double>(m.intermediate_size) / c.tp;
  const bool recompute_norms = reruns(c, RecomputeModule::kLayerNorm);
  b.norm("mlp.norm", OpRole::kMlp, sequence_rows(c), h, recompute_norms);
  const std::size_t first = b.op_count();
  const double saved_before = b.saved_bytes();
  if (!recompute_norms) save_gathered_input(b, h, gemm_dtype(c));
  mlp_block(m.mlp, "mlp", OpRole::kMlp, b, c.tokens(), h, inter, 1, OpKind::kGemm, false, RecomputeModule::kMlpAct);
  mlp_bias_gradients(m, "mlp", OpRole::kMlp, b, c.tokens(), inter, 1);
  tp_collectives(b, "mlp", OpRole::kMlpTp, c.tokens(), h);
  // Checkpointed, the MLP keeps its BF16 input (the norm's output, a sequence shard with SP) unless that re-runs too.
  if (reruns(c, RecomputeModule::kMlp))
    b.checkpoint_since(first, saved_before, recompute_norms ? 0.0 : sequence_rows(c) * h * kBf16);
  if (m.hidden_dropout > 0) b.dropout("mlp.residual_dropout", OpRole::kMlp, sequence_rows(c) * h);
  b.residual_add("mlp", OpRole::kMlp, sequence_rows(c), h);
  return norm_parameters(m, h) + mlp_block_parameters(m, inter);
}

// DeepSeekMoE: router, dispatch, routed experts (grouped GEMMs), shared experts, combine. Kept for backward, besides
// the norm's and the GEMMs' inputs: the router's scores (its softmax or sigmoid backward), each token's top-k
// weights and expert indices (the indices undo the permutation), and at the routed rows (tokens x top-k at the
// balanced share, times expert_load_factor) each received row's place and gate weight, the grouped GEMMs' inputs
// and the activation's input. The gate weights travel with the rows and scale the activation's output (Megatron-
// Core's weighted SwiGLU on permuted probabilities), so a weight's gradient is read off the activation's backward
// and the combine is a plain sum: the k expert outputs per token are not kept (an unpermute that applied the
// weights itself would keep them, 2 k h bytes a token: 0.47 GB per 4096-token micro-batch of DeepSeek-V3).
// Under TP the routed path runs on the GPU's sequence shard (OpContext::routed_tokens: each TP rank routes its own
// tokens, the experts whole); only the TP-split shared experts gather the sub-block's tokens and scatter them back.
void moe_mlp(const ModelConfig& m, LayerBuilder& b, double& params, double& expert_params) {
  const OpContext& c = b.context();
  const double rows = c.routed_tokens(), h = m.hidden_size, e = m.moe.routed_experts, k = m.moe.experts_per_token;
  const double inter = m.moe.expert_intermediate_size;
  const bool recompute_norms = reruns(c, RecomputeModule::kLayerNorm);
  b.norm("moe.norm", OpRole::kRouter, sequence_rows(c), h, recompute_norms);
  const std::size_t first = b.op_count();
  const double saved_before = b.saved_bytes();
  // Gating stays in higher precision (tech report 3.3.1): a BF16 GEMM with FP32 scores.
  b.gemm("moe.gate", OpRole::kRouter, rows, h, e, Dtype::kBf16, false);
  b.gradient_sum("moe.input_grad_sum", OpRole::kRouter, rows, h);  // the gate's and the experts' input gradients
  if (!recompute_norms) save_gathered_input(b, h, Dtype::kBf16);
  if (m.mlp_bias) b.add(bias_gradient_op("moe.gate", OpRole::kRouter, rows, e));  // GPT-OSS's router bias
  b.add({"moe.topk", OpKind::kRouter, Dtype::kFp32, Pass::kForward, OpRole::kRouter, 4.0 * rows * e, rows * e * kFp32});
  b.add({"moe.topk.bwd", OpKind::kRouter, Dtype::kFp32, Pass::kBackwardInput, OpRole::kRouter, 4.0 * rows * e, 2.0 * rows * e * kFp32});
  b.save(rows * e * kFp32 + rows * k * (kFp32 + kInt32));  // scores; top-k weights and indices
  if (m.trains_balance_loss()) {
    // Forward: each token's scores normalized and summed into the experts' mean scores, its expert indices
    // counted (3 FLOPs a score). Backward: the loss's gradient through the normalization and the sigmoid into
    // the scores' gradient (6 a score), read and written once. The kept scores serve it.
    b.add({"moe.balance_loss", OpKind::kRouter, Dtype::kFp32, Pass::kForward, OpRole::kRouter, 3.0 * rows * e,
           rows * (e * kFp32 + k * kInt32)});
    b.add({"moe.balance_loss.bwd", OpKind::kRouter, Dtype::kFp32, Pass::kBackwardInput, OpRole::kRouter, 6.0 * rows * e,
           2.0 * rows * e * kFp32});
  }

  const EpTrafficPerToken traffic = expected_ep_traffic(m, {c.ep, c.gpus_per_node, c.ep_dispatch});
  const double dispatch_bytes = c.precision.fp8_dispatch ? h * kFp8ScaleOverhead : h * kBf16;
  const double combine_bytes = h * kBf16;
  // Forward: dispatch (FP8) then combine (BF16). Backward: the combine's gradient goes out like a dispatch,
  // in FP8 (tech report 3.3.3: the activation gradients before the MoE down-projections are quantized the
  // same way), and the dispatch's gradient comes back like a combine in BF16 (both combines stay BF16).
  // Each all-to-all's bytes on the path the layout's dispatcher takes (its kernels' NIC rate follows it).
  auto all_to_all = [&](const char* name, OpRole role, Pass pass, CommKind kind, double row_bytes) {
    const double nvlink_bytes = rows * traffic.nvlink_copies * row_bytes;
    const double nic_bytes = rows * traffic.nic_copies * row_bytes;
    b.communication(name, role, pass, kind, nvlink_bytes, nic_bytes).ep_dispatch = c.ep_dispatch;
  };
  all_to_all("moe.dispatch", OpRole::kDispatch, Pass::kForward, CommKind::kEpDispatch, dispatch_bytes);
  all_to_all("moe.combine", OpRole::kCombine, Pass::kForward, CommKind::kEpCombine, combine_bytes);
  all_to_all("moe.combine.bwd", OpRole::kCombine, Pass::kBackwardInput, CommKind::kEpDispatch, dispatch_bytes);
  all_to_all("moe.dispatch.bwd", OpRole::kDispatch, Pass::kBackwardInput, CommKind::kEpCombine, combine_bytes);

  const double local_experts = e / c.ep;
  // Balanced: every GPU receives rows*k; the router's own counts where the context gives them.
  double routed_rows = rows * k * c.expert_load_factor;
  if (!c.routed_rows_by_expert.empty()) {
    TS_CHECK(static_cast<double>(c.routed_rows_by_expert.size()) == local_experts,
             "rows for {} routed experts, a GPU of EP {} holds {}", c.routed_rows_by_expert.size(), c.ep,
             local_experts);
    routed_rows = 0;
    for (const std::int64_t expert_rows : c.routed_rows_by_expert) {
      TS_CHECK(expert_rows >= 0, "{} rows for a routed expert", expert_rows);
      routed_rows += static_cast<double>(expert_rows);
    }
  }
  const std::size_t first_routed = b.op_count();
  b.add({"moe.permute", OpKind::kPermute, Dtype::kBf16, Pass::kForward, OpRole::kExperts, 0, 2.0 * routed_rows * h * kBf16});
  b.add({"moe.permute.bwd", OpKind::kPermute, Dtype::kBf16, Pass::kBackwardInput, OpRole::kExperts, 0, 2.0 * routed_rows * h * kBf16});
  b.save(routed_rows * (kInt32 + kFp32));  // where each received row goes back to; its gate weight
  // The dispatched rows (FP8 with DeepSeek's dispatch) are the grouped GEMM's input, kept by it.
  mlp_block(m.mlp, "moe.experts", OpRole::kExperts, b, routed_rows, h, inter, local_experts, OpKind::kGroupedGemm,
            true, RecomputeModule::kMoeAct);
  mlp_bias_gradients(m, "moe.experts", OpRole::kExperts, b, routed_rows, inter, local_experts);
  b.mark_routed_since(first_routed);
  b.add({"moe.combine_sum", OpKind::kPermute, Dtype::kBf16, Pass::kForward, OpRole::kCombineSum, 2.0 * rows * k * h,
         (rows * k + rows) * h * kBf16});
  b.add({"moe.combine_sum.bwd", OpKind::kPermute, Dtype::kBf16, Pass::kBackwardInput, OpRole::kCombineSum, 2.0 * rows * k * h,
         (rows * k + rows) * h * kBf16});
  if (m.moe.shared_experts > 0) {
    // DeepSeek: n_shared_experts routed-expert-wide experts run as one; Qwen2-MoE: one of its own width, whose
    // sigmoid gate (h -> 1, Qwen2MoeSparseMoeBlock) counts as parameters only.
    const bool own_width = m.moe.shared_intermediate_size > 0;
    const double shared_inter =
        (own_width ? m.moe.shared_intermediate_size : static_cast<double>(m.moe.shared_experts) * inter) / c.tp;
    // Its input is the gate's, already kept in BF16; an FP8 GEMM keeps its quantized copy besides.
    const bool own_copy = gemm_dtype(c) == Dtype::kFp8 && !recompute_norms;
    const std::size_t first_shared = b.op_count();
    const double saved_before_shared = b.saved_bytes();
    mlp_block(m.mlp, "moe.shared", OpRole::kExperts, b, c.tokens(), h, shared_inter, 1, OpKind::kGemm, false,
              RecomputeModule::kMlpAct);
    mlp_bias_gradients(m, "moe.shared", OpRole::kExperts, b, c.tokens(), shared_inter, 1);
    if (own_copy) save_gathered_input(b, h, Dtype::kFp8);
    if (reruns(c, RecomputeModule::kSharedExperts)) b.checkpoint_since(first_shared, saved_before_shared, 0.0);
    params += (own_width ? mlp_block_parameters(m, shared_inter) + h
                         : m.moe.shared_experts * mlp_block_parameters(m, inter / c.tp));
    // Megatron-Core's SharedExpertMLP: a TP-split MLP that gathers its input and scatters its output itself.
    tp_collectives(b, "moe.shared", OpRole::kMlpTp, c.tokens(), h);
  }
  // Checkpointed, the block keeps its BF16 input (the norm's output) unless that re-runs too; its all-to-alls re-run.
  if (reruns(c, RecomputeModule::kMoe))
    b.checkpoint_since(first, saved_before, recompute_norms ? 0.0 : sequence_rows(c) * h * kBf16);
  if (m.hidden_dropout > 0) b.dropout("moe.residual_dropout", OpRole::kCombineSum, sequence_rows(c) * h);
  b.residual_add("moe", OpRole::kCombineSum, sequence_rows(c), h);
  // Norm, gate, DeepSeek-V3's selection bias or GPT-OSS's router bias.
  params += norm_parameters(m, h) + h * e + (m.moe.scoring == RouterScoring::kSigmoid || m.mlp_bias ? e : 0.0);
  expert_params += local_experts * mlp_block_parameters(m, inter);
}

}  // namespace trainsim::models::catalog
