// The router's gradient through its gates (DeepSeekMoE's sigmoid gating, arXiv 2412.19437, equations 13-16), for one
// token: host and device code alike (the CPU reference's loop and the CUDA back-end's kernel, routing_kernels.cuh).
//   d loss / d logits of the token's selected experts from d loss / d gates: score s_j = sigmoid(l_j); with
//   normalization g_i = c s_i / S (S = sum of selected s), d s_j = (c / S) d g_j - (1 / S) sum_i d g_i g_i; without
//   it d s_j = c d g_j; then d l_j = d s_j s_j (1 - s_j), added into d_logits.
#pragma once
#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels::model {

TS_HOST_DEVICE inline void gate_backward(const RoutingRule& rule, const double* logits, const int* expert_ids,
                                         const double* gates, const double* d_gates, double* d_logits) {
  double score_sum = 0, gate_dot = 0;
  for (int i = 0; i < rule.top_k; ++i) {
    score_sum += sigmoid_score(logits[expert_ids[i]]);
    gate_dot += d_gates[i] * gates[i];
  }
  for (int i = 0; i < rule.top_k; ++i) {
    const double s = sigmoid_score(logits[expert_ids[i]]);
    const double d_score = rule.normalize_gates ? rule.routed_scaling / score_sum * d_gates[i] - gate_dot / score_sum
                                                : rule.routed_scaling * d_gates[i];
    d_logits[expert_ids[i]] += d_score * s * (1 - s);
  }
}

}  // namespace trainsim::kernels::model
