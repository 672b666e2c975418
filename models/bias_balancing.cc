// The update is the paper's sign rule; the stream of each (layer, step, micro-batch) comes from the seed.
#include "models/bias_balancing.h"

#include <numeric>

#include "core/error.h"
#include "models/routing_stats.h"

namespace trainsim::models {

void update_bias(std::span<double> bias, std::span<const int64_t> loads, double gamma) {
  TS_CHECK(bias.size() == loads.size() && !loads.empty());
  const int64_t total = std::accumulate(loads.begin(), loads.end(), int64_t{0});
  const auto n = static_cast<int64_t>(loads.size());
  for (size_t i = 0; i < loads.size(); ++i) {
    // Compare load_i * n with the total: the sign of (mean - load_i) without rounding the mean.
    const int64_t diff = total - loads[i] * n;
    bias[i] += diff > 0 ? gamma : diff < 0 ? -gamma : 0.0;
  }
}

std::vector<BalancingPoint> simulate_bias_balancing(const ExpertRouter& router, const AffinityGenerator& generator,
                                                    const RouterSpec& spec, int moe_layer, int64_t first_step,
                                                    int64_t steps, int64_t tokens, int microbatches, uint64_t seed,
                                                    std::vector<double>& bias) {
  const int experts = router.rule().num_experts;
  TS_CHECK(static_cast<int>(bias.size()) == experts && microbatches >= 1);
  std::vector<BalancingPoint> trace;
  for (int64_t step = first_step; step < first_step + steps; ++step) {
    BalancingPoint point{step, 0, 0, {}};
    std::vector<int64_t> step_loads(static_cast<size_t>(experts), 0);
    for (int m = 0; m < microbatches; ++m) {
      const std::vector<double> pop = generator.popularity(moe_layer, step, m);
      const TokenRouting routing =
          router.route(pop, bias, tokens, routing_stream(seed, moe_layer, step, m));
      const std::vector<int64_t> loads = tokens_per_expert(routing, experts);
      point.max_vio_batch += max_vio(loads) / microbatches;
      for (size_t e = 0; e < loads.size(); ++e) step_loads[e] += loads[e];
    }
    point.max_vio_step = max_vio(step_loads);
    if (spec.balancing == BiasBalancing::kAuxLossFree) update_bias(bias, step_loads, spec.bias_update_speed);
    point.loads = std::move(step_loads);
    trace.push_back(std::move(point));
  }
  return trace;
}

}  // namespace trainsim::models
