// Parameter counts (total, active per token, MTP) and model training FLOPs per token, from the config by
// closed-form formulas. Checked against DeepSeek's published 671B / 37B, the Qwen3, OLMoE, GPT-2 and GPT-OSS
// totals and the ISCA 2025 FLOP table. Biases, norms, sinks and learned positions count as parameters.
#pragma once
#include "models/model_config.h"

namespace trainsim::models {

struct ParameterCounts {
  double total = 0;         // the main model (DeepSeek's "671B"): embedding, layers, final norm, head
  double active = 0;        // used per token: shared and k routed experts only
  double mtp = 0;           // the MTP modules, excluding the shared embedding and head
  double embedding = 0;     // looked up, not multiplied: input embedding and learned positions (GPT-2's wpe)
  double routed_experts = 0;
};

ParameterCounts count_parameters(const ModelConfig& model);

// Per-layer parameter counts, for placement and memory.
double attention_parameters(const ModelConfig& model);
double dense_mlp_parameters(const ModelConfig& model);
double moe_mlp_parameters(const ModelConfig& model, bool active_only);
// One norm's weights: h for RMSNorm, 2h for LayerNorm (weight and bias).
double norm_parameters(const ModelConfig& model, double dim);
// One MLP (dense or one expert) of width `intermediate`: its 2 or 3 matrices and, with mlp_bias, their biases.
double mlp_block_parameters(const ModelConfig& model, double intermediate);
// The extras of a GQA attention block beyond norm and q/k/v/o matrices: biases, sinks, q/k norms.
double attention_extra_parameters(const ModelConfig& model, double q_width, double kv_width, double heads);

// Model FLOPs per trained token (forward + backward = 3x forward): 6 x the active GEMM parameters (the
// embedding and position lookups are no GEMM; the output head is, tied or not) plus causal attention 3 x 2 x h x s(s+1)/2 x (d_qk + d_v)
// / s per token. `include_mtp` adds the MTP modules (the ISCA figure covers the main model only).
double train_flops_per_token(const ModelConfig& model, int sequence_length, bool include_mtp = false);
// Forward FLOPs per token of one layer's causal attention core, the mean over the layers where some attend
// within a sliding window (models/attention_window.h).
double attention_core_flops_per_token(const ModelConfig& model, int sequence_length);

}  // namespace trainsim::models
