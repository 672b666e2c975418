// Auxiliary-loss-free load balancing (arXiv 2408.15664; DeepSeek-V3, arXiv 2412.19437, section 2.1.2): after
// each step every expert's selection bias moves by gamma toward balance, b_i += gamma * sign(mean load - load_i);
// gamma = 0.001 for DeepSeek-V3's first 14.3T tokens, 0 after (section 4.2). The bias changes which experts are
// selected, never the gates (routing_rule.h).
#pragma once
#include <cstdint>
#include <span>

namespace trainsim::kernels::model {

// DeepSeek-V3's bias update speed (section 4.2; docs/sources.md#reduced-deepseek-v3).
inline constexpr double kDeepSeekV3BiasUpdateSpeed = 0.001;

// loads: tokens routed to each expert in the step (moe/expert_loads.h's loads_from_ids); bias: same length.
void update_expert_bias(std::span<const int64_t> loads, double gamma, std::span<double> bias);

}  // namespace trainsim::kernels::model
