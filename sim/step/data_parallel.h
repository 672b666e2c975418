// The end of a step over data parallelism: what a pipeline device holds, the ZeRO collectives that move its
// gradients and weights among the replicas, and the optimizer step over its shard. Shared by the analytic
// estimate and the engine.
#pragma once
#include "sim/step/priced_model.h"

namespace trainsim::sim {

struct HeldParameters {
  double parameters = 0;         // non-expert, replicated over dp
  double expert_parameters = 0;  // routed experts, replicated over the expert-data-parallel degree
};

HeldParameters held_parameters(const StagePlan& plan, int device, const PricedModel& priced,
                               const models::ModelConfig& model);

// Bytes one GPU sends in a step's ZeRO collectives over a ring of `replicas`. ZeRO 0: gradient all-reduce
// (twice the gradient). ZeRO 1-2: gradient reduce-scatter and weight all-gather. ZeRO 3: also the weight
// all-gathers of forward and backward.
double dp_collective_bytes(const Scenario& scenario, double parameters, int replicas);

// A ring collective: `steps` sends of `bytes_per_step`, each to the next replica, one after another.
struct RingCollective {
  int steps = 0;
  double bytes_per_step = 0;
};

// The collectives at the step's end as the engine runs them: the gradients' reduce-scatter before the
// optimizer and the weights' all-gather after it (ZeRO 0: the all-reduce's two halves, the second of
// gradients). ZeRO 3's gathers inside forward and backward are not among them.
struct ZeroCollectives {
  RingCollective before_optimizer;
  RingCollective after_optimizer;
};
ZeroCollectives zero_collectives(const Scenario& scenario, double parameters, int replicas);

// AdamW over this GPU's shard (all of it below ZeRO 1), memory-bound: read the gradient, read and write the
// master weights and both moments, write the weight.
double optimizer_seconds(const Scenario& scenario, const HeldParameters& held);

}  // namespace trainsim::sim
