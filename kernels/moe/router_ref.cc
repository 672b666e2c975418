// One call of route_token per token; throws std::invalid_argument on an invalid rule or mismatched sizes.
#include "kernels/moe/router_ref.h"

#include <stdexcept>
#include <string>

namespace trainsim::kernels {

namespace {
template <typename Real>
void route_all(const RoutingRule& rule, std::span<const Real> logits, std::span<const Real> bias,
               std::span<int> expert_ids, std::span<Real> gates) {
  if (const char* error = routing_rule_error(rule)) throw std::invalid_argument(std::string("router: ") + error);
  const size_t tokens = logits.size() / rule.num_experts;
  if (logits.size() != tokens * rule.num_experts || (!bias.empty() && bias.size() != size_t(rule.num_experts)) ||
      expert_ids.size() != tokens * rule.top_k || gates.size() != tokens * rule.top_k)
    throw std::invalid_argument("router: sizes must be tokens x experts, experts, and tokens x top_k");
  for (size_t t = 0; t < tokens; ++t)
    route_token<Real>(rule, logits.data() + t * rule.num_experts, bias.empty() ? nullptr : bias.data(),
                      expert_ids.data() + t * rule.top_k, gates.data() + t * rule.top_k);
}
}  // namespace

void router_ref(const RoutingRule& rule, std::span<const double> logits, std::span<const double> bias,
                std::span<int> expert_ids, std::span<double> gates) {
  route_all(rule, logits, bias, expert_ids, gates);
}

void router_ref(const RoutingRule& rule, std::span<const float> logits, std::span<const float> bias,
                std::span<int> expert_ids, std::span<float> gates) {
  route_all(rule, logits, bias, expert_ids, gates);
}

}  // namespace trainsim::kernels
