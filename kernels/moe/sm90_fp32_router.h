// Router kernel launcher: routing_rule.h applied on the GPU to FP32 router logits (the gating GEMM's output;
// DeepSeek-V3 keeps gating in FP32/BF16, tech report section 3.3).
#pragma once
#include <cuda_runtime.h>

#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels {

// logits[tokens * num_experts], bias[num_experts] or nullptr; writes expert_ids and gates [tokens * top_k].
// Throws std::invalid_argument on an invalid rule.
void launch_sm90_fp32_router(const RoutingRule& rule, const float* logits, const float* bias, int tokens,
                             int* expert_ids, float* gates, cudaStream_t stream);

}  // namespace trainsim::kernels
