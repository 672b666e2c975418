// Selection by the shared rule on keys it defines (kernels::key_from_base: sigmoid(logit) + bias, or logit
// + bias, the bases from token_noise.h); gates are not needed for loads and traffic and are not computed.
#include "models/expert_router.h"

#include <algorithm>

#include "core/error.h"
#include "models/seeded_random.h"
#include "models/token_noise.h"

namespace trainsim::models {
namespace {

constexpr uint64_t kPoolDraws = 13;  // stream tag of the pool draws (token_noise.cc uses 12)

}  // namespace

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

std::vector<int64_t> TokenRouting::multiplicity() const {
  std::vector<int64_t> out(static_cast<size_t>(routed_tokens()), routed_of_token.empty() ? 1 : 0);
  for (int32_t routed : routed_of_token) ++out[static_cast<size_t>(routed)];
  return out;
}

TokenRouting ExpertRouter::route(std::span<const double> popularity, std::span<const double> bias, int64_t tokens,
                                 uint64_t stream) const {
  const size_t experts = static_cast<size_t>(rule_.num_experts);
  const size_t k = static_cast<size_t>(rule_.top_k);
  TS_CHECK(popularity.size() == experts && (bias.empty() || bias.size() == experts) && tokens >= 0);
  const int64_t pool = std::min<int64_t>(tokens, spec_.pool_tokens);
  const TokenNoise noise(popularity, spec_.token_noise, rule_.scoring);
  const double* bias_or_null = bias.empty() ? nullptr : bias.data();
  std::vector<double> keys(experts);
  TokenRouting out{rule_.top_k, std::vector<int>(static_cast<size_t>(pool) * k), {}};
  for (int64_t t = 0; t < pool; ++t) {
    noise.bases(stream, t, keys);
    for (size_t e = 0; e < experts; ++e) keys[e] = kernels::key_from_base(keys[e], bias_or_null, static_cast<int>(e));
    kernels::select_experts_in_one_pass<double>(rule_, keys.data(), out.expert_ids.data() + static_cast<size_t>(t) * k);
  }
  if (pool == tokens) return out;
  SplitMix64 rng(stream_seed(stream, kPoolDraws));
  out.routed_of_token.resize(static_cast<size_t>(tokens));
  for (int32_t& routed : out.routed_of_token) routed = static_cast<int32_t>(rng.below(static_cast<uint64_t>(pool)));
  return out;
}

}  // namespace trainsim::models
