// Router, simplest correct version: one thread per token runs route_token<float> from routing_rule.h, so the
// device applies literally the same rule as the CPU reference and the simulator. O(top_k * experts) key
// evaluations per token; a warp-per-token version (keys in registers, shuffle top-k) is the planned next step.
#include <stdexcept>
#include <string>

#include "kernels/common/cuda_check.cuh"
#include "kernels/moe/sm90_fp32_router.h"

namespace trainsim::kernels {

namespace {
constexpr int kRouterThreads = 128;

__global__ void sm90_fp32_router_kernel(RoutingRule rule, const float* __restrict__ logits,
                                        const float* __restrict__ bias, int tokens, int* __restrict__ expert_ids,
                                        float* __restrict__ gates) {
  const int token = blockIdx.x * blockDim.x + threadIdx.x;
  if (token >= tokens) return;
  const size_t row = static_cast<size_t>(token);
  route_token<float>(rule, logits + row * rule.num_experts, bias, expert_ids + row * rule.top_k,
                     gates + row * rule.top_k);
}
}  // namespace

void launch_sm90_fp32_router(const RoutingRule& rule, const float* logits, const float* bias, int tokens,
                             int* expert_ids, float* gates, cudaStream_t stream) {
  if (const char* error = routing_rule_error(rule)) throw std::invalid_argument(std::string("router: ") + error);
  if (tokens <= 0) return;
  const int blocks = (tokens + kRouterThreads - 1) / kRouterThreads;
  sm90_fp32_router_kernel<<<blocks, kRouterThreads, 0, stream>>>(rule, logits, bias, tokens, expert_ids, gates);
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels
