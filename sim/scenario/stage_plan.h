// StagePlan: which layers each pipeline stage holds (the embedding on the first stage; the output head and
// the MTP modules on the last, as DeepSeek-V3 places them), and which stages each pipeline device runs.
#pragma once
#include <optional>
#include <vector>

#include "sim/scenario/scenario.h"

namespace trainsim::sim {

struct Stage {
  int first_layer = 0;
  int layer_count = 0;
  bool embedding = false;
  bool output_head = false;
  int mtp_modules = 0;
};

// Relative costs for balancing (seconds or FLOPs; only ratios matter).
struct PlacementCosts {
  double dense_layer = 1;
  double moe_layer = 1;
  double embedding = 0;
  double output_head = 0;
  double mtp_module = 0;
};

struct StagePlan {
  std::vector<Stage> stages;
  std::vector<std::vector<int>> device_stages;  // pipeline device -> the stages it runs
};

// Contiguous layer counts per stage minimising the costliest stage (ties: earlier stages get fewer layers).
std::vector<int> balanced_layers_per_stage(const models::ModelConfig& model, int stage_count, const PlacementCosts& costs);

// Megatron-Core's splits (transformer_config.py, get_num_layers_to_build), stage by stage, when the layout
// asks for one; nullopt otherwise. account_for_embedding/loss_in_pipeline_split: the embedding and the loss
// each count as a layer, (layers + 1 + 1) / stages per stage and one fewer on the first and last (94 layers
// on 32 stages: 2, 3 x 30, 2). decoder_first/last_pipeline_num_layers: the first and last pipeline ranks hold
// those, the middle ranks the rest evenly; with virtual stages each rank's layers split evenly over its
// chunks. Megatron's divisibility rules are ConfigErrors at the key that breaks them.
std::optional<std::vector<int>> megatron_layers_per_stage(const Scenario& scenario);

// Uses the scenario's explicit layers_per_stage when given (checked: one count per stage, summing to the
// model's layers; ConfigError otherwise), else the balanced placement.
StagePlan plan_stages(const Scenario& scenario, const PlacementCosts& costs);

}  // namespace trainsim::sim
