// Routing a scenario once: the request, the warm-up, the load (models/routed_step.h does the routing).
#include "sim/cost/scenario_routing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>

#include "core/parallel_for.h"
#include "models/affinity_generator.h"
#include "models/eplb.h"
#include "models/expert_router.h"
#include "models/routing_stats.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim {

models::RoutedStepRequest routing_request(const Scenario& scenario, models::RoutingReplay& replay) {
  const models::ModelConfig& model = scenario.job.model;
  models::RoutedStepRequest r;
  r.model = &model;
  r.spec = scenario.routing;
  const int ep = std::max(1, scenario.layout.ep);
  r.group = models::EpGroupShape{ep, std::min(ep, scenario.cluster.gpus_per_node), scenario.layout.ep_dispatch};
  r.tokens_per_rank = std::llround(op_context(scenario).routed_tokens());  // a GPU's share (CP, SP)
  r.seed = scenario.seed;
  r.fp8_dispatch = scenario.job.precision.fp8_dispatch;
  r.step = scenario.routing.warmup_steps;
  if (scenario.routing.source == models::RoutingSource::kReplay) {
    replay = models::load_routing_replay(scenario.routing.replay_file, models::routing_rule_for(model).num_experts,
                                         models::moe_layer_indices(model));
    r.replay = &replay;
    r.step = 0;
  }
  return r;
}

std::vector<std::vector<double>> warmed_up_biases(
    const Scenario& scenario, const models::RouterSpec& spec, int steps, const std::function<void(double)>& progress,
    const std::function<void(std::size_t, std::vector<models::BalancingPoint>&&)>& on_trace) {
  const models::ModelConfig& model = scenario.job.model;
  const kernels::RoutingRule rule = models::routing_rule_for(model);
  const std::vector<int> layers = models::moe_layer_indices(model);
  std::vector<std::vector<double>> bias(layers.size(), std::vector<double>(static_cast<size_t>(rule.num_experts), 0.0));
  if (steps <= 0 || spec.source != models::RoutingSource::kSynthetic) return bias;
  const models::ExpertRouter router(rule, spec);
  const models::AffinityGenerator generator(spec, rule.num_experts, scenario.seed);
  const int64_t tokens = static_cast<int64_t>(scenario.layout.micro_batch_size) * scenario.job.sequence_length *
                         std::max(1, scenario.layout.ep);
  // Layers balance independently (streams of their own): in parallel, then the traces handed over in order.
  std::vector<std::vector<models::BalancingPoint>> traces(layers.size());
  std::mutex progress_mutex;
  size_t done = 0;
  parallel_for(static_cast<int64_t>(layers.size()), [&](int64_t layer) {
    const auto i = static_cast<size_t>(layer);
    traces[i] = models::simulate_bias_balancing(router, generator, spec, static_cast<int>(i), 0, steps, tokens, 1,
                                                scenario.seed, bias[i]);
    const std::lock_guard lock(progress_mutex);
    ++done;
    if (progress) progress(static_cast<double>(done) / static_cast<double>(layers.size()));
  });
  if (on_trace)
    for (size_t i = 0; i < layers.size(); ++i) on_trace(i, std::move(traces[i]));
  return bias;
}

models::RoutedStep route_with_eplb(const models::RoutedStepRequest& request, const std::vector<std::vector<double>>& bias,
                                   const models::RoutedStep& generated) {
  const kernels::RoutingRule rule = models::routing_rule_for(*request.model);
  const std::vector<int> layers = models::moe_layer_indices(*request.model);
  std::vector<std::vector<double>> loads;
  for (const models::RoutingStats& s : generated.stats.front())
    loads.emplace_back(s.tokens_per_expert.begin(), s.tokens_per_expert.end());
  // eplb-global is EPLB's hierarchical policy over one group and one node (eplb.py's own fallback);
  // eplb-hierarchical falls back to it too where the nodes do not divide the groups, as eplb.py does.
  const bool global = request.spec.placement == models::PlacementPolicy::kEplbGlobal;
  const models::EplbShape shape{rule.num_experts + request.spec.redundant_experts, global ? 1 : rule.num_groups,
                                global ? 1 : request.group.ep / request.group.gpus_per_node, request.group.ep};
  const models::EplbPlan plan = models::eplb_rebalance(loads, shape);
  std::vector<models::RoutedStep> per_layer(layers.size());  // each on its own placement, in parallel
  parallel_for(static_cast<int64_t>(layers.size()), [&](int64_t layer) {
    const auto i = static_cast<size_t>(layer);
    models::RoutedStepRequest r = request;
    r.layers = {layers[i]};
    const std::vector<std::vector<double>> layer_bias{bias[i]};
    r.bias = &layer_bias;
    r.placement = &plan.placements[i];
    per_layer[i] = models::route_step(r);
  });
  models::RoutedStep out = std::move(per_layer.front());
  for (size_t i = 1; i < layers.size(); ++i) {
    out.load.microbatches.front().push_back(std::move(per_layer[i].load.microbatches.front().front()));
    out.stats.front().push_back(std::move(per_layer[i].stats.front().front()));
  }
  return out;
}

std::optional<ScenarioRouting> scenario_routing(const Scenario& scenario) {
  if (scenario.routing.source == models::RoutingSource::kBalanced || !scenario.job.model.is_moe()) return std::nullopt;
  models::RoutingReplay replay;
  models::RoutedStepRequest request = routing_request(scenario, replay);
  const std::vector<std::vector<double>> bias = warmed_up_biases(scenario, scenario.routing, scenario.routing.warmup_steps);
  if (scenario.routing.warmup_steps > 0) request.bias = &bias;
  ScenarioRouting out;
  models::RoutedStep routed = models::route_step(request);
  if (scenario.routing.redundant_experts > 0) routed = route_with_eplb(request, bias, routed);
  auto load = std::make_shared<models::RoutedStepLoad>(std::move(routed.load));
  const std::vector<models::RoutedLayerLoad>& layers = load->microbatches.front();
  for (const models::RoutedLayerLoad& layer : layers) {
    const double vio = models::max_vio(layer.rows_per_rank);  // busiest rank / mean - 1
    out.mean_rank_vio += vio / static_cast<double>(layers.size());
    out.max_rank_vio = std::max(out.max_rank_vio, vio);
  }
  out.load = std::move(load);
  const models::RouterSpec& r = scenario.routing;
  out.summary = r.source == models::RoutingSource::kReplay
                    ? fmt::format("replayed from {}", r.replay_file)
                    : fmt::format("synthetic (Zipf {}, seed {}), {}", r.zipf_exponent, scenario.seed,
                                  r.warmup_steps > 0 ? fmt::format("after {} steps of bias balancing", r.warmup_steps)
                                                     : std::string("as generated, no bias yet (routing.warmup_steps: 0)"));
  if (r.redundant_experts > 0)
    out.summary += fmt::format(", {} with {} redundant experts", models::placement_policy_name(r.placement), r.redundant_experts);
  out.summary += fmt::format("; busiest EP rank {:.1f}% over the mean on average, {:.1f}% at worst",
                             100 * out.mean_rank_vio, 100 * out.max_rank_vio);
  return out;
}

}  // namespace trainsim::sim
