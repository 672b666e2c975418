// PricedModel: the op catalog of every layer kind of a scenario's model, priced on its GPU by an op-time
// model, and what a pipeline stage sums to. The analytic estimate and the engine's stage ops share it.
#pragma once
#include "hardware/op_time_model.h"
#include "models/op_catalog.h"
#include "sim/step/layer_timing.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/stage_plan.h"

namespace trainsim::sim {

struct PricedLayer {
  models::LayerOps ops;
  LayerTiming timing;
};

struct PricedModel {
  PricedLayer dense, moe, embedding, head, mtp;
  const PricedLayer& of(models::LayerKind kind) const;
};

// How one micro-batch meets one GPU under the scenario's layout.
models::OpContext op_context(const Scenario& scenario);
// The run's note on how its balanced EP traffic was priced (models/ep_traffic.h): the path the all-to-all takes.
std::string balanced_ep_traffic_note(const Scenario& scenario);

PricedModel price_model(const Scenario& scenario, const hw::OpTimeModel& time_model);

// Everything a stage holds, summed: timing, parameters, saved activations per micro-batch.
struct StageTotals {
  LayerTiming timing;
  double parameters = 0, expert_parameters = 0, saved_bytes = 0;
};

StageTotals stage_totals(const Stage& stage, const PricedModel& priced, const models::ModelConfig& model);

// The layers of a stage in execution order of the forward: the embedding, the transformer layers, the
// output head, the MTP modules (tech report 2.2: they follow the main model and share its head).
struct StageLayer {
  models::LayerKind kind = models::LayerKind::kDense;
  std::string label;  // "L12", "embed", "head", "mtp0"
  // Its index among the model's layers: transformer layer i is i, MTP module k is num_layers + k (the numbering
  // of DeepSeek-V3's checkpoint, whose MTP layer is model.layers.61), -1 for the embedding and the output head.
  int model_layer = -1;
};
std::vector<StageLayer> stage_layers(const Stage& stage, const models::ModelConfig& model);

}  // namespace trainsim::sim
