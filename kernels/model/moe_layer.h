// DeepSeekMoE layer (arXiv 2412.19437, section 2.1.2, equations 12-16): one shared expert plus routed experts,
// sigmoid affinities s = sigmoid(x W_router^T), top-k selection by s + b (the aux-loss-free bias, selection
// only) under the group limit of routing_rule.h, gates g = s / sum(selected s) * routed_scaling_factor.
// Gradients flow through the gates' scores into the router; the selection itself is piecewise constant.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/swiglu_mlp.h"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels::model {

struct MoeWeights {
  std::vector<double> w_router;        // [experts][hidden]
  SwigluWeights shared;                // inter = moe_intermediate_size * n_shared_experts (0: no shared expert)
  std::vector<SwigluWeights> experts;  // [experts], each inter = moe_intermediate_size

  static MoeWeights zeros(int hidden, int num_experts, int expert_inter, int shared_inter);
};

struct MoeCache {
  int rows = 0;
  std::vector<double> x;        // [rows][hidden]
  std::vector<double> logits;   // [rows][experts]
  std::vector<int> expert_ids;  // [rows][top_k], rank order
  std::vector<double> gates;    // [rows][top_k]
  ExpertLayout layout;          // expert e's rows, in slot order (align 1: no padding)
  std::vector<SwigluCache> expert_caches;
  std::vector<std::vector<double>> expert_out;  // [experts][its rows][hidden], before the gate
  SwigluCache shared_cache;
  std::vector<double> balance_d_logits;  // [rows][experts]: the balance loss's gradient, added in backward; or empty
};

// y = shared(x) + sum_i gate_i expert_{id_i}(x) per token; bias [experts] (selection only) may be empty.
std::vector<double> moe_forward(const RoutingRule& rule, const MoeWeights& w, std::span<const double> bias,
                                std::span<const double> x, int rows, MoeCache& cache,
                                GemmPrecision precision = GemmPrecision::kFP64);
// Returns dx and adds every weight's gradient into `grads` (the router's through the gates' scores). x: the input
// when the cache dropped it (cache.x and the shared expert's copy); empty: cache.x.
std::vector<double> moe_backward(const RoutingRule& rule, const MoeWeights& w, const MoeCache& cache,
                                 std::span<const double> dy, MoeWeights& grads, std::span<const double> x = {});

// d loss / d logits of one token's selected experts from d loss / d gates (sigmoid scoring):
// score s_j = sigmoid(l_j); with normalization g_i = c s_i / S (S = sum of selected s),
// d s_j = (c / S) d g_j - (1 / S) sum_i d g_i g_i; without it d s_j = c d g_j; then d l_j = d s_j s_j (1 - s_j).
void gate_backward(const RoutingRule& rule, const double* logits, const int* expert_ids, const double* gates,
                   const double* d_gates, double* d_logits);

}  // namespace trainsim::kernels::model
