// The router model: tokens' logits from the affinity generator through the one routing rule shared with the
// router kernel (kernels/moe/routing_rule.h, header-only: models/ does not link kernels/), giving each token's
// top-k logical experts. DeepSeek-V3: sigmoid, bias for selection only, top-4 of 8 groups, top-8 experts.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/moe/routing_rule.h"
#include "models/model_config.h"
#include "models/router_spec.h"
#include "models/seeded_random.h"

namespace trainsim::models {

// The model's HF config as the shared rule: num_experts = n_routed_experts, top_k = num_experts_per_tok,
// groups = n_group, kept groups = topk_group, scoring_func, norm_topk_prob, routed_scaling_factor.
// NOTE: DeepSeek-V2's device-limited routing (topk_method group_limited_greedy) scores a group by its best
// expert; the shared rule scores by the sum of the two best (V3's noaux_tc). V2 is mapped onto the V3 rule:
// the same device limit (at most topk_group groups), a slightly different choice of groups.
kernels::RoutingRule routing_rule_for(const ModelConfig& model);

// Each token's experts in rank order. Token t of a micro-batch belongs to EP rank t / tokens_per_rank
// (consecutive blocks, one per rank). The tokens the rule routed hold their experts in expert_ids
// ([routed token * top_k + i]); a micro-batch larger than the pool lists, per token, the routed token whose
// experts it takes (routed_of_token), rather than copying top_k ids per token.
struct TokenRouting {
  int top_k = 1;
  std::vector<int> expert_ids;
  std::vector<int32_t> routed_of_token = {};  // empty: token t is routed token t

  int64_t routed_tokens() const { return static_cast<int64_t>(expert_ids.size()) / top_k; }
  int64_t tokens() const {
    return routed_of_token.empty() ? routed_tokens() : static_cast<int64_t>(routed_of_token.size());
  }
  // Token t's top_k experts.
  const int* experts_of(int64_t t) const {
    const int64_t routed = routed_of_token.empty() ? t : routed_of_token[static_cast<size_t>(t)];
    return expert_ids.data() + static_cast<size_t>(routed) * static_cast<size_t>(top_k);
  }
  // [routed token] how many tokens take its experts (ones without a pool).
  std::vector<int64_t> multiplicity() const;
};

// Routes one (layer, micro-batch). Up to spec.pool_tokens tokens are routed exactly, each with its own
// Gumbel noise (token_noise.h); a micro-batch with more tokens gives each token the routing of a pool token
// drawn uniformly. NOTE: the pool's own sampling adds a per-expert spread of about sqrt(E / (k * pool)) (9% for
// V3 at 4096) to the loads' expectation: the price of speed (the rule costs a few us a token on one core;
// 262,144 tokens of one EP-64 micro-batch would take about 1 s a layer). A pool as large as the micro-batch
// routes every token. Measured on a loaded 2-core machine, DeepSeek-V3, EP 64, 4096 tokens a rank: the pool's
// 4096 tokens in 15 ms (116 ms with the Gumbel inversion and the top_k x num_experts selection), the layer with
// its stats and traffic in about 30 ms (255 ms before).
// The seed of the token noise of one (MoE layer, step, micro-batch): every caller routes from the same streams.
inline uint64_t routing_stream(uint64_t seed, int moe_layer, int64_t step, int microbatch) {
  return stream_seed(seed, 11, static_cast<uint64_t>(moe_layer), static_cast<uint64_t>(step),
                     static_cast<uint64_t>(microbatch));
}

class ExpertRouter {
 public:
  ExpertRouter(const kernels::RoutingRule& rule, const RouterSpec& spec);

  // popularity [num_experts] (AffinityGenerator), bias [num_experts] or empty, stream: the seed of this
  // (layer, step, micro-batch) (seeded_random.h's stream_seed).
  TokenRouting route(std::span<const double> popularity, std::span<const double> bias, int64_t tokens,
                     uint64_t stream) const;

  const kernels::RoutingRule& rule() const { return rule_; }

 private:
  kernels::RoutingRule rule_;
  RouterSpec spec_;
};

}  // namespace trainsim::models
