// The scenario's router applied to one micro-batch of its EP group: the request every routing question starts
// from, each MoE layer's bias after some steps of auxiliary-loss-free balancing, and the routed load
// `trainsim run` prices (StepGraphOptions::routed_load).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/bias_balancing.h"
#include "models/routed_step.h"
#include "models/routing_replay.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim {

// The EP group (layout.ep over the cluster's nodes), micro-batch x sequence tokens per rank, the seed; one
// micro-batch (RoutedStepLoad repeats it). A replayed file is loaded into `replay`, which must outlive the use.
models::RoutedStepRequest routing_request(const Scenario& scenario, models::RoutingReplay& replay);

// Each MoE layer's bias (in moe_layer_indices order) after `steps` of balancing at the scenario's gamma, one
// EP micro-batch a step; `on_trace(i, points)` gets each layer's MaxVio per step. Zeros for steps = 0.
std::vector<std::vector<double>> warmed_up_biases(
    const Scenario& scenario, const models::RouterSpec& spec, int steps, const std::function<void(double)>& progress = {},
    const std::function<void(std::size_t, std::vector<models::BalancingPoint>&&)>& on_trace = {});

// Every MoE layer routed on its own EPLB placement (models/eplb.h: the scenario's policy, its redundant experts),
// planned from `generated`'s loads (DeepSeek's EPLB rebalances on observed loads); `request` as routing_request
// gives it, with `bias` per MoE layer.
models::RoutedStep route_with_eplb(const models::RoutedStepRequest& request, const std::vector<std::vector<double>>& bias,
                                   const models::RoutedStep& generated);

struct ScenarioRouting {
  std::shared_ptr<const models::RoutedStepLoad> load;
  double mean_rank_vio = 0;  // over the MoE layers: busiest EP rank's rows / mean - 1
  double max_rank_vio = 0;
  std::string summary;       // one line for the run report
};

// Null for balanced routing or a dense model: the step graph's default. Otherwise every MoE layer routed
// after routing.warmup_steps of balancing.
std::optional<ScenarioRouting> scenario_routing(const Scenario& scenario);

}  // namespace trainsim::sim
