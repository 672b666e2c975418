// Closed-form parameter counts following the HuggingFace module layout of each architecture: DeepseekV3,
// Llama/Qwen2/Qwen3/Mixtral/OLMoE (RMSNorm, optional q/k/v/o biases, q/k norms), GPT2 (LayerNorm with bias,
// Conv1D biases, learned positions, two-matrix MLP) and GptOss (biased attention and experts, sinks).
#include "models/model_size.h"

#include "models/attention_window.h"

namespace trainsim::models {

double norm_parameters(const ModelConfig& m, double dim) { return m.layer_norm ? 2 * dim : dim; }

double mlp_block_parameters(const ModelConfig& m, double intermediate) {
  const double h = m.hidden_size, matrices = mlp_matrices(m.mlp);
  // Biases: one per output of each matrix (gate and up: intermediate each, down: h).
  const double biases = m.mlp_bias ? (matrices - 1) * intermediate + h : 0.0;
  return matrices * h * intermediate + biases;
}

double attention_extra_parameters(const ModelConfig& m, double q_width, double kv_width, double heads) {
  double extra = (m.qkv_bias ? q_width + 2 * kv_width : 0.0) + (m.attention_output_bias ? m.hidden_size : 0.0);
  if (m.attention_sinks) extra += heads;
  if (m.qk_norm == QkNorm::kPerHead) extra += 2.0 * m.head_dim;
  if (m.qk_norm == QkNorm::kWholeProjection) extra += q_width + kv_width;
  return extra;
}

double attention_parameters(const ModelConfig& m) {
  const double h = m.hidden_size, heads = m.num_heads;
  if (m.attention == AttentionKind::kMultiHeadLatent) {
    const MlaDims& d = m.mla;
    const double q = d.q_lora_rank > 0
                         ? h * d.q_lora_rank + d.q_lora_rank + d.q_lora_rank * heads * d.qk_head_dim()
                         : h * heads * d.qk_head_dim();
    const double kv = h * (d.kv_lora_rank + d.qk_rope_head_dim) + d.kv_lora_rank +
                      d.kv_lora_rank * heads * (d.qk_nope_head_dim + d.v_head_dim);
    return norm_parameters(m, h) + q + kv + heads * d.v_head_dim * h;
  }
  const double q = heads * m.head_dim, kv = static_cast<double>(m.num_kv_heads) * m.head_dim;
  return norm_parameters(m, h) + h * (q + 2 * kv) + q * h + attention_extra_parameters(m, q, kv, heads);
}

double dense_mlp_parameters(const ModelConfig& m) {
  return norm_parameters(m, m.hidden_size) + mlp_block_parameters(m, m.intermediate_size);
}

double moe_mlp_parameters(const ModelConfig& m, bool active_only) {
  const double h = m.hidden_size, e = m.moe.routed_experts;
  const double expert = mlp_block_parameters(m, m.moe.expert_intermediate_size);
  const double routed = active_only ? m.moe.experts_per_token : e;
  // Router: the h x e gate, DeepSeek-V3's selection bias (sigmoid scoring) or GPT-OSS's router bias.
  const double router = h * e + (m.moe.scoring == RouterScoring::kSigmoid || m.mlp_bias ? e : 0.0);
  // Shared experts: DeepSeek's are routed-expert wide; Qwen2-MoE's one has its own width and a gate h -> 1.
  const double shared = m.moe.shared_intermediate_size > 0
                            ? mlp_block_parameters(m, m.moe.shared_intermediate_size) + h
                            : m.moe.shared_experts * expert;
  return norm_parameters(m, h) + router + routed * expert + shared;
}

ParameterCounts count_parameters(const ModelConfig& m) {
  ParameterCounts c;
  const double h = m.hidden_size, vocab = m.vocab_size;
  c.embedding = (vocab + m.learned_positions) * h;
  const double head = m.tie_word_embeddings ? 0.0 : vocab * h;
  c.total = c.active = c.embedding + head + norm_parameters(m, h);  // final norm
  for (int layer = 0; layer < m.num_layers; ++layer) {
    const bool moe = m.is_moe_layer(layer);
    c.total += attention_parameters(m) + (moe ? moe_mlp_parameters(m, false) : dense_mlp_parameters(m));
    c.active += attention_parameters(m) + (moe ? moe_mlp_parameters(m, true) : dense_mlp_parameters(m));
    if (moe) c.routed_experts += m.moe.routed_experts * mlp_block_parameters(m, m.moe.expert_intermediate_size);
  }
  // MTP module: two norms, the 2h -> h projection, one layer (MoE for MoE models), the shared head's norm.
  const double mtp_layer = attention_parameters(m) + (m.is_moe() ? moe_mlp_parameters(m, false) : dense_mlp_parameters(m));
  c.mtp = m.mtp_depth * (3 * h + 2 * h * h + mtp_layer);
  return c;
}

double attention_core_flops_per_token(const ModelConfig& m, int sequence_length) {
  const bool mla = m.attention == AttentionKind::kMultiHeadLatent;
  const double d_qk = mla ? m.mla.qk_head_dim() : m.head_dim, d_v = mla ? m.mla.v_head_dim : m.head_dim;
  // Pairs per query: (s + 1) / 2 causal, fewer under a sliding window (the mean over the layers).
  return 2.0 * m.num_heads * mean_attended_pairs(m, sequence_length) / sequence_length * (d_qk + d_v);
}

double train_flops_per_token(const ModelConfig& m, int sequence_length, bool include_mtp) {
  const ParameterCounts c = count_parameters(m);
  const double h = m.hidden_size, head = static_cast<double>(m.vocab_size) * h;
  // Norm weights, biases, sinks and the selection bias are no GEMM parameters; they are < 0.1% and kept for
  // simplicity. A tied head shares the embedding's weights but is still a GEMM.
  double gemm_parameters = c.active - c.embedding + (m.tie_word_embeddings ? head : 0.0);
  double layers = m.num_layers;
  if (include_mtp && m.mtp_depth > 0) {
    const double mtp_layer_active = attention_parameters(m) + (m.is_moe() ? moe_mlp_parameters(m, true) : dense_mlp_parameters(m));
    gemm_parameters += m.mtp_depth * (2 * h * h + mtp_layer_active + head);
    layers += m.mtp_depth;
  }
  return 6.0 * gemm_parameters + 3.0 * layers * attention_core_flops_per_token(m, sequence_length);
}

}  // namespace trainsim::models
