// A deterministic skewed routed load for timing the engine (`trainsim bench`) until the router of models/ feeds
// one: the op catalog's expected traffic split evenly over the pairs of DeepSeek-V3's path, with each rank's
// rows and received bytes swung around the balanced share by a cosine over the EP ranks, shifted per layer and
// micro-batch so that every layer has its own straggler. Not a model of routing: a load of the right shape.
#pragma once
#include "models/routed_load.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim {

// `swing`: the largest rank's rows over the balanced share, less 1 (0.3: MaxVio 0.3); `microbatches` listed.
models::RoutedStepLoad synthetic_routed_load(const Scenario& scenario, double swing, int microbatches);

}  // namespace trainsim::sim
