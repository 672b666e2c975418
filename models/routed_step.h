// One step's routing for one EP group: every listed MoE layer of every micro-batch routed (synthetic or
// replayed affinities through the shared rule), its stats, and the RoutedStepLoad the step graph prices.
#pragma once
#include <cstdint>
#include <vector>

#include "models/ep_traffic.h"
#include "models/expert_placement.h"
#include "models/model_config.h"
#include "models/routed_load.h"
#include "models/router_spec.h"
#include "models/routing_replay.h"
#include "models/routing_stats.h"

namespace trainsim::models {

struct RoutedStepRequest {
  const ModelConfig* model = nullptr;
  RouterSpec spec;
  EpGroupShape group;
  int64_t tokens_per_rank = 0;  // micro-batch x sequence length on each EP rank
  int microbatches = 1;         // distinct micro-batches to route (RoutedStepLoad repeats them)
  int64_t step = 0;
  uint64_t seed = 0;            // the scenario's seed
  std::vector<int> layers;      // model layer indices of the MoE layers to route; empty: every MoE layer
  const ExpertPlacement* placement = nullptr;              // nullptr: uniform
  const std::vector<std::vector<double>>* bias = nullptr;  // [index in layers][expert]; nullptr: no bias
  const RoutingReplay* replay = nullptr;                   // RoutingSource::kReplay
  bool fp8_dispatch = true;  // the dispatch's precision (PrecisionPolicy::fp8_dispatch): its bytes a token copy
};

struct RoutedStep {
  RoutedStepLoad load;
  std::vector<std::vector<RoutingStats>> stats;  // [micro-batch][index in layers]
  // [index in layers] MaxVio of each layer's loads summed over the step's micro-batches (the step's global
  // figure; MaxVio_batch is stats[m][i].max_vio). Empty for balanced routing.
  std::vector<double> max_vio_step;
};

// Balanced source: rows tokens_per_rank * k on every rank and no stats (nothing is routed); otherwise routed.
RoutedStep route_step(const RoutedStepRequest& request);

// The model's MoE layers as model layer indices, and the index of a layer among them (-1 when dense).
std::vector<int> moe_layer_indices(const ModelConfig& model);

}  // namespace trainsim::models
