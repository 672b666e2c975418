// Router, simple version built from routing_rule.h's own functions, so the device applies the same rule as the
// CPU reference and the simulator: a warp per token computes its keys once into shared memory (one sigmoid per
// expert), then lane 0 selects (select_experts_from_keys) and weighs the gates. A parallel top-k is next.
#include <stdexcept>
#include <string>

#include "kernels/common/cuda_check.cuh"
#include "kernels/moe/sm90_fp32_router.h"

namespace trainsim::kernels {

namespace {
constexpr int kTokensPerBlock = 4;  // one warp each
constexpr int kRouterThreads = 32 * kTokensPerBlock;
static_assert(kTokensPerBlock * kMaxRoutedExperts * sizeof(float) <= 48 * 1024,
              "the keys of a block's tokens must fit the static shared-memory limit of 48 KB");

__global__ void __launch_bounds__(kRouterThreads) sm90_fp32_router_kernel(
    RoutingRule rule, const float* __restrict__ logits, const float* __restrict__ bias, int tokens,
    int* __restrict__ expert_ids, float* __restrict__ gates) {
  __shared__ float keys[kTokensPerBlock][kMaxRoutedExperts];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int token = blockIdx.x * kTokensPerBlock + warp;
  if (token >= tokens) return;  // the whole warp: no barrier below spans warps
  const float* row = logits + static_cast<size_t>(token) * rule.num_experts;
  for (int e = lane; e < rule.num_experts; e += 32) keys[warp][e] = selection_key(rule, row, bias, e);
  __syncwarp();
  if (lane == 0) {
    int* ids = expert_ids + static_cast<size_t>(token) * rule.top_k;
    select_experts_from_keys(rule, keys[warp], ids);
    gate_weights(rule, row, ids, gates + static_cast<size_t>(token) * rule.top_k);
  }
}
}  // namespace

void launch_sm90_fp32_router(const RoutingRule& rule, const float* logits, const float* bias, int tokens,
                             int* expert_ids, float* gates, cudaStream_t stream) {
  if (const char* error = routing_rule_error(rule)) throw std::invalid_argument(std::string("router: ") + error);
  if (tokens <= 0) return;
  const int blocks = (tokens + kTokensPerBlock - 1) / kTokensPerBlock;
  sm90_fp32_router_kernel<<<blocks, kRouterThreads, 0, stream>>>(rule, logits, bias, tokens, expert_ids, gates);
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels
