// Closed-form parameter counts following the HuggingFace module layout of each architecture.
#include "models/model_size.h"

namespace trainsim::models {

double attention_parameters(const ModelConfig& m) {
  const double h = m.hidden_size, heads = m.num_heads;
  if (m.attention == AttentionKind::kMultiHeadLatent) {
    const MlaDims& d = m.mla;
    const double q = d.q_lora_rank > 0
                         ? h * d.q_lora_rank + d.q_lora_rank + d.q_lora_rank * heads * d.qk_head_dim()
                         : h * heads * d.qk_head_dim();
    const double kv = h * (d.kv_lora_rank + d.qk_rope_head_dim) + d.kv_lora_rank +
                      d.kv_lora_rank * heads * (d.qk_nope_head_dim + d.v_head_dim);
    return h + q + kv + heads * d.v_head_dim * h;
  }
  const double q = heads * m.head_dim, kv = static_cast<double>(m.num_kv_heads) * m.head_dim;
  return h + h * (q + 2 * kv) + (m.qkv_bias ? q + 2 * kv : 0.0) + q * h;
}

double dense_mlp_parameters(const ModelConfig& m) {
  return m.hidden_size + 3.0 * m.hidden_size * m.intermediate_size;
}

double moe_mlp_parameters(const ModelConfig& m, bool active_only) {
  const double h = m.hidden_size, expert = 3.0 * h * m.moe.expert_intermediate_size;
  const double routed = active_only ? m.moe.experts_per_token : m.moe.routed_experts;
  const double bias = m.moe.scoring == RouterScoring::kSigmoid ? m.moe.routed_experts : 0.0;
  return h + h * m.moe.routed_experts + bias + (routed + m.moe.shared_experts) * expert;
}

ParameterCounts count_parameters(const ModelConfig& m) {
  ParameterCounts c;
  const double h = m.hidden_size, vocab = m.vocab_size;
  c.embedding = vocab * h;
  const double head = m.tie_word_embeddings ? 0.0 : vocab * h;
  c.total = c.active = c.embedding + head + h;  // final norm
  for (int layer = 0; layer < m.num_layers; ++layer) {
    const bool moe = m.is_moe_layer(layer);
    c.total += attention_parameters(m) + (moe ? moe_mlp_parameters(m, false) : dense_mlp_parameters(m));
    c.active += attention_parameters(m) + (moe ? moe_mlp_parameters(m, true) : dense_mlp_parameters(m));
    if (moe) c.routed_experts += m.moe.routed_experts * 3.0 * h * m.moe.expert_intermediate_size;
  }
  // MTP module: two norms, the 2h -> h projection, one layer (MoE for MoE models), the shared head's norm.
  const double mtp_layer = attention_parameters(m) + (m.is_moe() ? moe_mlp_parameters(m, false) : dense_mlp_parameters(m));
  c.mtp = m.mtp_depth * (3 * h + 2 * h * h + mtp_layer);
  return c;
}

double attention_core_flops_per_token(const ModelConfig& m, int sequence_length) {
  const bool mla = m.attention == AttentionKind::kMultiHeadLatent;
  const double d_qk = mla ? m.mla.qk_head_dim() : m.head_dim, d_v = mla ? m.mla.v_head_dim : m.head_dim;
  const double s = sequence_length;
  return 2.0 * m.num_heads * (s + 1) / 2 * (d_qk + d_v);
}

double train_flops_per_token(const ModelConfig& m, int sequence_length, bool include_mtp) {
  const ParameterCounts c = count_parameters(m);
  // Norm weights and the selection bias are no GEMM parameters; they are < 0.01% and kept for simplicity.
  double gemm_parameters = c.active - c.embedding;
  double layers = m.num_layers;
  if (include_mtp && m.mtp_depth > 0) {
    const double h = m.hidden_size;
    const double mtp_layer_active = attention_parameters(m) + (m.is_moe() ? moe_mlp_parameters(m, true) : dense_mlp_parameters(m));
    const double head = static_cast<double>(m.vocab_size) * h;
    gemm_parameters += m.mtp_depth * (2 * h * h + mtp_layer_active + head);
    layers += m.mtp_depth;
  }
  return 6.0 * gemm_parameters + 3.0 * layers * attention_core_flops_per_token(m, sequence_length);
}

}  // namespace trainsim::models
