// Selection by the shared rule on keys it defines (kernels::selection_key: sigmoid(logit) + bias, or logit
// + bias); gates are not needed for loads and traffic and are not computed.
#include "models/expert_router.h"

#include <algorithm>

#include "core/error.h"
#include "models/affinity_generator.h"
#include "models/seeded_random.h"

namespace trainsim::models {

kernels::RoutingRule routing_rule_for(const ModelConfig& model) {
  TS_CHECK(model.is_moe(), "{} has no routed experts", model.name);
  kernels::RoutingRule rule;
  rule.num_experts = model.moe.routed_experts;
  rule.top_k = model.moe.experts_per_token;
  rule.num_groups = std::max(1, model.moe.expert_groups);
  rule.top_k_groups = std::max(1, std::min(model.moe.groups_per_token, rule.num_groups));
  rule.scoring = model.moe.scoring == RouterScoring::kSigmoid ? kernels::RouterScoring::kSigmoid
                                                              : kernels::RouterScoring::kSoftmax;
  rule.normalize_gates = model.moe.normalize_top_k;
  rule.routed_scaling = model.moe.routed_scaling_factor > 0 ? model.moe.routed_scaling_factor : 1.0;
  const char* problem = kernels::routing_rule_error(rule);
  TS_CHECK(problem == nullptr, "{}: {}", model.name, problem ? problem : "");
  return rule;
}

ExpertRouter::ExpertRouter(const kernels::RoutingRule& rule, const RouterSpec& spec) : rule_(rule), spec_(spec) {
  const char* problem = kernels::routing_rule_error(rule);
  TS_CHECK(problem == nullptr, "{}", problem ? problem : "");
  TS_CHECK(spec.pool_tokens >= 1);
}

TokenRouting ExpertRouter::route(std::span<const double> popularity, std::span<const double> bias, int64_t tokens,
                                 uint64_t stream) const {
  const size_t experts = static_cast<size_t>(rule_.num_experts);
  const size_t k = static_cast<size_t>(rule_.top_k);
  TS_CHECK(popularity.size() == experts && (bias.empty() || bias.size() == experts) && tokens >= 0);
  const int64_t pool = std::min<int64_t>(tokens, spec_.pool_tokens);
  SeededRandom rng(stream);
  std::vector<double> logits(experts), keys(experts);
  std::vector<int> pool_ids(static_cast<size_t>(pool) * k);
  for (int64_t t = 0; t < pool; ++t) {
    AffinityGenerator::token_logits(popularity, spec_.token_noise, rng, logits);
    for (size_t e = 0; e < experts; ++e)
      keys[e] = kernels::selection_key<double>(rule_, logits.data(), bias.empty() ? nullptr : bias.data(), int(e));
    kernels::select_experts_from_keys<double>(rule_, keys.data(), pool_ids.data() + static_cast<size_t>(t) * k);
  }
  TokenRouting out{rule_.top_k, {}};
  if (pool == tokens) {
    out.expert_ids = std::move(pool_ids);
    return out;
  }
  out.expert_ids.resize(static_cast<size_t>(tokens) * k);
  for (int64_t t = 0; t < tokens; ++t) {
    const size_t from = static_cast<size_t>(rng.below(static_cast<uint64_t>(pool))) * k;
    std::copy_n(pool_ids.begin() + static_cast<std::ptrdiff_t>(from), k,
                out.expert_ids.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(t) * k));
  }
  return out;
}

}  // namespace trainsim::models
