// CPU reference of the router kernel: routing_rule.h applied to every token, in FP64 (or in FP32, the
// arithmetic of the device kernel, for its exact-selection check).
#pragma once
#include <span>

#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels {

// logits[tokens * num_experts], bias[num_experts] or empty; writes expert_ids and gates [tokens * top_k].
void router_ref(const RoutingRule& rule, std::span<const double> logits, std::span<const double> bias,
                std::span<int> expert_ids, std::span<double> gates);
void router_ref(const RoutingRule& rule, std::span<const float> logits, std::span<const float> bias,
                std::span<int> expert_ids, std::span<float> gates);

}  // namespace trainsim::kernels
