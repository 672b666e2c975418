// DeepSeekMoE layer (arXiv 2412.19437, section 2.1.2, equations 12-16): one shared expert plus routed experts,
// sigmoid affinities s = sigmoid(x W_router^T), top-k selection by s + b (the aux-loss-free bias, selection
// only) under the group limit of routing_rule.h, gates g = s / sum(selected s) * routed_scaling_factor.
// Gradients flow through the gates' scores into the router; the selection itself is piecewise constant.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/model/gate_backward.h"
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
  GemmPrecision precision = GemmPrecision::kFP64;  // the forward's, which the backward's ops keep
  std::vector<double> x;        // [rows][hidden]
  std::vector<double> logits;   // [rows][experts]
  std::vector<int> expert_ids;  // [rows][top_k], rank order
  std::vector<double> gates;    // [rows][top_k]
  ExpertLayout layout;          // expert e's rows, in slot order (align 1: no padding)
  std::vector<SwigluCache> expert_caches;
  std::vector<std::vector<double>> expert_out;  // [experts][its rows][hidden], before the gate
  SwigluCache shared_cache;
  std::vector<double> balance_d_logits;  // [rows][experts]: the balance loss's gradient, added in backward; or empty
  // With expert parallelism (expert_parallel_moe.h) only: [the rank's j-th expert][source rank], the rows that rank
  // sent it. expert_caches then hold the rank's own experts over every rank's rows, and expert_out[e] the outputs
  // of this rank's rows that expert e sent back.
  std::vector<std::vector<int64_t>> rows_from;
};

// y = shared(x) + sum_i gate_i expert_{id_i}(x) per token; bias [experts] (selection only) may be empty.
std::vector<double> moe_forward(const RoutingRule& rule, const MoeWeights& w, std::span<const double> bias,
                                std::span<const double> x, int rows, MoeCache& cache,
                                GemmPrecision precision = GemmPrecision::kFP64);
// moe_forward's first part, which an expert-parallel layer shares (expert_parallel_moe.h): keeps x, computes the
// router's logits, each token's choice and gates, and the experts' layout into the cache.
void moe_route(const RoutingRule& rule, const MoeWeights& w, std::span<const double> bias, std::span<const double> x,
               int rows, MoeCache& cache, GemmPrecision precision);
// Returns dx and adds every weight's gradient into `grads` (the router's through the gates' scores). x: the input
// when the cache dropped it (cache.x and the shared expert's copy); empty: cache.x.
std::vector<double> moe_backward(const RoutingRule& rule, const MoeWeights& w, const MoeCache& cache,
                                 std::span<const double> dy, MoeWeights& grads, std::span<const double> x = {});
// moe_backward's last part: the gates' gradient d_gates [rows][top_k] (and the cached balance loss's) through the
// router into grads.w_router, and the router's input gradient added into dx. x: the layer's input.
void moe_router_backward(const RoutingRule& rule, const MoeWeights& w, const MoeCache& cache,
                         std::span<const double> d_gates, std::span<const double> x, MoeWeights& grads,
                         std::vector<double>& dx);

// The permute ops (the model times each as `permute`; calibration_run_cpu times them for the plan's permute calls).
// Expert `expert`'s rows in layout order [counts[expert]][hidden] gathered from the tokens' rows of x [tokens][hidden].
void gather_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> x, int hidden,
                        std::span<double> rows);
// Its backward: each of the expert's row gradients added into its token's row of dx.
void scatter_add_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> d_rows, int hidden,
                             std::span<double> dx);
// The combine: y[token] += gate[slot] * rows[r] for each of the expert's rows r (slot: its token's choice).
void combine_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> gates,
                         std::span<const double> rows, int hidden, std::span<double> y);
// Its backward: d_rows[r] = gate[slot] * dy[token] and d_gates[slot] = dy[token] . rows[r].
void combine_expert_rows_backward(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                  std::span<const double> rows, std::span<const double> dy, int hidden,
                                  std::span<double> d_rows, std::span<double> d_gates);

}  // namespace trainsim::kernels::model
