// Auxiliary-loss-free balancing (Wang et al. 2024, arXiv 2408.15664, algorithm 1; DeepSeek-V3 report section
// 2.1.2): after each step every expert's selection bias moves by gamma toward balance,
// b_i += gamma * sign(mean load - load_i), and its dynamics over training steps.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "models/affinity_generator.h"
#include "models/expert_router.h"

namespace trainsim::models {

// One update from a step's loads (summed over its micro-batches). An expert at exactly the mean keeps its bias.
void update_bias(std::span<double> bias, std::span<const int64_t> loads, double gamma);

struct BalancingPoint {
  int64_t step = 0;
  double max_vio_batch = 0;  // the mean over the step's micro-batches of each one's MaxVio
  double max_vio_step = 0;   // MaxVio of the loads summed over the step's micro-batches
  std::vector<int64_t> loads;  // [expert] rows summed over the step's micro-batches
};

// Routes `steps` steps of one MoE layer (`microbatches` micro-batches of `tokens` tokens each), recording
// MaxVio before each update; `bias` (num_experts, zeros to start) carries the state in and out. With
// BiasBalancing::kNone the bias is left as given.
std::vector<BalancingPoint> simulate_bias_balancing(const ExpertRouter& router, const AffinityGenerator& generator,
                                                    const RouterSpec& spec, int moe_layer, int64_t first_step,
                                                    int64_t steps, int64_t tokens, int microbatches, uint64_t seed,
                                                    std::vector<double>& bias);

}  // namespace trainsim::models
