// The reduced DeepSeek-V3's sizes, read from a HuggingFace-style config.json with DeepSeek-V3's field names
// (the names models/hf_config.cc reads); structure from the DeepSeek-V3 tech report (arXiv 2412.19437) 2.1-2.2.
#pragma once
#include <string>

#include "kernels/mla/mla_problem.h"
#include "kernels/model/json_reader.h"
#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels::model {

// alpha of DeepSeek-V3's pre-training (section 4.2; docs/sources.md#reduced-deepseek-v3).
inline constexpr double kDeepSeekV3BalanceAlpha = 0.0001;

struct ModelConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int first_k_dense_replace = 0;  // layers 0..first_k_dense_replace-1 have a dense SwiGLU MLP, the rest MoE
  int num_attention_heads = 0;
  int q_lora_rank = 0;
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;  // even: RoPE rotates pairs
  int v_head_dim = 0;
  int intermediate_size = 0;      // dense layers' SwiGLU width
  int moe_intermediate_size = 0;  // each expert's SwiGLU width (the shared expert's too)
  int n_routed_experts = 0;
  int n_shared_experts = 0;
  int num_experts_per_tok = 0;
  int n_group = 0;
  int topk_group = 0;
  double routed_scaling_factor = 1;
  bool norm_topk_prob = true;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000;
  int num_nextn_predict_layers = 0;  // MTP depth D
  // aux_loss_alpha (DeepSeek's config.json name, with seq_aux true): the weight alpha of the sequence-wise balance
  // loss (sequence_balance_loss.h); absent, DeepSeek-V3's pre-training 0.0001 (arXiv 2412.19437, section 4.2;
  // docs/sources.md#reduced-deepseek-v3); 0 turns the loss off. The simulator reads the same field to know that
  // the loss runs (models/model_config.h MoeDims::balance_loss).
  double balance_loss_alpha = kDeepSeekV3BalanceAlpha;

  MlaDims mla_dims() const;
  RoutingRule routing_rule() const;  // sigmoid scoring: the only scoring_func this model accepts
  bool is_moe_layer(int layer) const { return layer >= first_k_dense_replace; }
};

// Reads the fields above from a parsed config.json; `file` names it in errors. Throws JsonError
// ("file:line: field: found ..., expected ...") for a missing, mistyped or out-of-range field.
ModelConfig model_config_from_json(const JsonValue& root, const std::string& file);
ModelConfig load_model_config(const std::string& path);

}  // namespace trainsim::kernels::model
