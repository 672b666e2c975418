// Each variant routes every MoE layer once (models/routed_step.h); biases come from each layer's own
// balancing warm-up; EPLB plans from the loads as generated (DeepSeek's EPLB rebalances on observed loads).
#include "sim/cost/routing_study.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "models/affinity_generator.h"
#include "models/eplb.h"
#include "models/expert_router.h"
#include "models/routed_step.h"
#include "models/routing_replay.h"
#include "models/routing_stats.h"
#include "sim/cost/scenario_routing.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/step_simulation.h"

namespace trainsim::sim {
namespace {

RoutingVariant summarize(std::string name, const models::RoutedStep& routed) {
  RoutingVariant v;
  v.name = std::move(name);
  const std::vector<models::RoutedLayerLoad>& layers = routed.load.microbatches.front();
  double vio_sum = 0, received_sum = 0;
  for (const models::RoutedLayerLoad& layer : layers) {
    std::vector<double> rows(layer.rows_per_rank.begin(), layer.rows_per_rank.end());
    const double vio = models::max_vio(layer.rows_per_rank);  // busiest rank / mean - 1
    v.max_vio = std::max(v.max_vio, vio);
    vio_sum += vio;
    const int ep = layer.dispatch.ep;
    for (int r = 0; r < ep; ++r) {
      double received = 0;
      for (int s = 0; s < ep; ++s) received += layer.dispatch.nic(s, r) + layer.dispatch.nvlink(s, r);
      v.max_received_bytes = std::max(v.max_received_bytes, received);
      received_sum += received;
    }
    v.rows.push_back(std::move(rows));
  }
  v.mean_vio = vio_sum / static_cast<double>(layers.size());
  v.mean_received_bytes = received_sum / (static_cast<double>(layers.size()) * routed.load.ep);
  if (!routed.stats.empty()) {
    double nodes_sum = 0;
    for (const models::RoutingStats& s : routed.stats.front()) {
      nodes_sum += s.mean_nodes_per_token;
      v.max_nodes_per_token = std::max(v.max_nodes_per_token, s.max_nodes_per_token);
    }
    v.mean_nodes_per_token = nodes_sum / static_cast<double>(routed.stats.front().size());
  }
  return v;
}

}  // namespace

RoutingStudy study_routing(const Scenario& scenario, const RoutingStudyRequest& request) {
  const models::ModelConfig& model = scenario.job.model;
  const SourceLocation where{scenario.source, 0, 0, "routing"};
  if (!model.is_moe()) throw ConfigError(where, fmt::format("{} has no MoE layer", model.name), "a MoE model");
  if (scenario.routing.source == models::RoutingSource::kBalanced)
    throw ConfigError(where, "routing is balanced: every expert the same load, nothing to study",
                      "routing: synthetic, or a replay file",
                      "--set routing=synthetic studies the default generator (docs/sources.md#expert-routing)");
  TS_CHECK(request.steps >= 1, "{} balancing steps", request.steps);

  RoutingStudy study;
  study.layers = models::moe_layer_indices(model);
  study.ep = std::max(1, scenario.layout.ep);
  study.gpus_per_node = std::min(study.ep, scenario.cluster.gpus_per_node);
  study.trace_layer = request.trace_layer >= 0 ? request.trace_layer : study.layers.front();
  const auto traced = std::find(study.layers.begin(), study.layers.end(), study.trace_layer);
  if (traced == study.layers.end())
    throw ConfigError(where, fmt::format("layer {} is not a MoE layer of {}", study.trace_layer, model.name),
                      fmt::format("one of layers {} .. {}", study.layers.front(), study.layers.back()));
  const size_t traced_index = static_cast<size_t>(traced - study.layers.begin());

  models::RoutingReplay replayed;
  models::RoutedStepRequest base = routing_request(scenario, replayed);
  const bool replay = scenario.routing.source == models::RoutingSource::kReplay;
  if (!replay) base.step = request.steps;
  const kernels::RoutingRule rule = models::routing_rule_for(model);

  // Each layer's bias after `steps` of balancing (switched on if the scenario has none), the traced layer's
  // MaxVio per step kept, and the same layer traced again without a bias.
  models::RouterSpec balancing = scenario.routing;
  if (balancing.balancing == models::BiasBalancing::kNone) balancing.balancing = models::BiasBalancing::kAuxLossFree;
  const std::vector<std::vector<double>> bias = warmed_up_biases(
      scenario, balancing, replay ? 0 : request.steps,
      [&](double done) {
        if (request.progress) request.progress(0.5 * done);
      },
      [&](size_t i, std::vector<models::BalancingPoint>&& trace) {
        if (i == traced_index) study.with_bias = std::move(trace);
      });
  if (!replay) {
    models::RouterSpec none = scenario.routing;
    none.balancing = models::BiasBalancing::kNone;
    std::vector<double> unbiased(static_cast<size_t>(rule.num_experts), 0.0);
    study.without_bias = models::simulate_bias_balancing(
        models::ExpertRouter(rule, none), models::AffinityGenerator(none, rule.num_experts, scenario.seed), none,
        static_cast<int>(traced_index), 0, request.steps, base.tokens_per_rank * study.ep, 1, scenario.seed, unbiased);
  }

  auto route = [&](const models::RouterSpec& spec, const std::vector<std::vector<double>>* layer_bias) {
    models::RoutedStepRequest r = base;
    r.spec = spec;
    r.bias = layer_bias;
    return models::route_step(r);
  };
  models::RouterSpec balanced = scenario.routing;
  balanced.source = models::RoutingSource::kBalanced;
  std::vector<models::RoutedStep> routed;
  routed.push_back(route(balanced, nullptr));
  routed.push_back(route(scenario.routing, nullptr));
  study.variants.push_back(summarize("balanced", routed[0]));
  study.variants.push_back(summarize("as generated", routed[1]));
  if (!replay) {
    routed.push_back(route(scenario.routing, &bias));
    study.variants.push_back(summarize("bias balancing", routed.back()));
  }
  if (scenario.routing.redundant_experts > 0) {
    routed.push_back(route_with_eplb(base, bias, routed[1]));
    study.variants.push_back(summarize(replay ? "EPLB" : "bias balancing + EPLB", routed.back()));
  }
  if (request.progress) request.progress(0.75);
  if (replay)
    study.notes.push_back(fmt::format("replayed loads from {} (step 0): bias balancing adds nothing to them",
                                      scenario.routing.replay_file));
  else
    study.notes.push_back(fmt::format(
        "bias balancing: each layer's bias after {} steps of gamma {} on one micro-batch of the EP group a step ({} tokens)",
        request.steps, balancing.bias_update_speed, base.tokens_per_rank * study.ep));
  if (request.step_times) {
    // Each variant's step at stage fidelity: the same scenario, the variant's load in the step graph.
    const PricedScenario priced(scenario);
    for (size_t i = 0; i < routed.size(); ++i) {
      StepGraphOptions options;
      options.fidelity = Fidelity::kStage;
      if (i > 0) options.routed_load = std::make_shared<const models::RoutedStepLoad>(routed[i].load);
      const StepSimulation simulated = simulate_step(priced, scenario.job.global_batch_sequences, options);
      study.variants[i].step_time_s = simulated.step.step_time_s;
      study.variants[i].straggler_s = simulated.step.straggler_s;
      if (request.progress) request.progress(0.75 + 0.25 * static_cast<double>(i + 1) / static_cast<double>(routed.size()));
    }
    study.notes.push_back("step times at stage fidelity: the EP group's straggler at each MoE layer, its received bytes included");
  }
  if (request.progress) request.progress(1.0);
  return study;
}

}  // namespace trainsim::sim
