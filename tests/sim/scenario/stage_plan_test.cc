// Layer placement: the balanced cut, explicit counts and their checks, and the device-to-stage maps.
#include "sim/scenario/stage_plan.h"

#include <gtest/gtest.h>

#include <numeric>

#include "models/model_presets.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::with;

TEST(StagePlan, BalancedPlacementCoversEveryLayerOnce) {
  const models::ModelConfig v3 = models::load_preset("deepseek-v3");
  const std::vector<int> counts = balanced_layers_per_stage(v3, 16, PlacementCosts{});
  ASSERT_EQ(counts.size(), 16u);
  EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), 0), 61);
  // Every layer costs 1: the least possible maximum is ceil(61 / 16) = 4 layers.
  EXPECT_EQ(*std::max_element(counts.begin(), counts.end()), 4);
}

TEST(StagePlan, HeavyHeadAndMtpLeaveTheLastStageFewerLayers) {
  const models::ModelConfig v3 = models::load_preset("deepseek-v3");
  PlacementCosts costs;
  costs.mtp_module = 1.5;
  costs.output_head = 1.0;
  const std::vector<int> counts = balanced_layers_per_stage(v3, 16, costs);
  // By hand: the total is 61 + 2.5 = 63.5, so the largest stage costs at least 63.5 / 16 > 3.9; the first 15
  // stages hold whole layers, so the least maximum is 4. Then 15 x 4 = 60 layers leave at least 1 for the
  // last stage and 1 + 2.5 <= 4 allows at most 1: exactly one layer beside the head and the MTP module.
  EXPECT_EQ(counts.back(), 1);
  EXPECT_EQ(*std::max_element(counts.begin(), counts.end() - 1), 4);
  EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), 0), 61);
}

TEST(StagePlan, DualPipeDevicesHoldMirroredStages) {
  const Scenario s = parse_scenario(testing::kValidScenario, "s.yaml");
  const StagePlan plan = plan_stages(s, PlacementCosts{});
  EXPECT_EQ(plan.device_stages, (std::vector<std::vector<int>>{{0, 3}, {1, 2}, {2, 1}, {3, 0}}));
  EXPECT_TRUE(plan.stages.front().embedding);
  EXPECT_TRUE(plan.stages.back().output_head);
  EXPECT_EQ(plan.stages.back().mtp_modules, 1);
}

TEST(StagePlan, ExplicitCountsMustCoverTheModel) {
  const std::string base = with("  recompute: deepseek", "  recompute: deepseek\n  layers_per_stage: [16, 15, 15, 15]");
  const StagePlan plan = plan_stages(parse_scenario(base, "s.yaml"), PlacementCosts{});
  EXPECT_EQ(plan.stages[1].first_layer, 16);
  auto message = [](const std::string& text) {
    try {
      plan_stages(parse_scenario(text, "s.yaml"), PlacementCosts{});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(with("[16, 15, 15, 15]", "[16, 15, 15, 14]", base)),
            "s.yaml:14:21: parallelism.layers_per_stage: places 60 layers, but deepseek-v3 has 61 (expected counts that "
            "cover every layer exactly once); hint: or layers_per_stage: auto");
  EXPECT_NE(message(with("[16, 15, 15, 15]", "[31, 30]", base)).find("has 2 entries for 4 pipeline stages"), std::string::npos);
}

// A dense 94-layer model (Qwen3-235B's depth, Llama-3.1-70B's layers otherwise) on 32 H800 at pp 32, or on
// pp 8 with four virtual stages each; `extra` adds parallelism keys (line 13 on).
std::string deep_model(const std::string& layout, const std::string& extra) {
  return "model:\n"
         "  preset: llama-3.1-70b\n"
         "  overrides: {num_hidden_layers: 94}\n"
         "training:\n"
         "  sequence_length: 4096\n"
         "  global_batch: 64\n"
         "  tokens: 1B\n"
         "parallelism:\n" +
         layout + extra +
         "cluster:\n"
         "  gpu: {type: h800, hbm_capacity: 1 TiB}\n"
         "  nodes: 4\n";
}
const std::string kPp32 = "  pp: 32\n  schedule: 1f1b\n  dp: 1\n";
const std::string kPp8v4 = "  pp: 8\n  schedule: interleaved\n  virtual_stages: 4\n  dp: 4\n";

std::vector<int> counts_of(const std::string& text) {
  const StagePlan plan = plan_stages(parse_scenario(text, "s.yaml"), PlacementCosts{});
  std::vector<int> counts;
  for (const Stage& stage : plan.stages) counts.push_back(stage.layer_count);
  return counts;
}

std::string load_error(const std::string& text) {
  try {
    parse_scenario(text, "s.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(StagePlan, MegatronCountsTheEmbeddingAndTheLossAsLayers) {
  const std::string both = "  account_for_embedding_in_pipeline_split: true\n  account_for_loss_in_pipeline_split: true\n";
  // By hand: 94 + 2 = 96 = 32 x 3; the embedding's stage and the loss's stage hold one transformer layer fewer.
  std::vector<int> expected(32, 3);
  expected.front() = expected.back() = 2;
  EXPECT_EQ(counts_of(deep_model(kPp32, both)), expected);
  // Interleaved: 96 over 8 x 4 = 32 virtual stages; the first is chunk 0 of rank 0, the last chunk 3 of rank 7.
  EXPECT_EQ(counts_of(deep_model(kPp8v4, both)), expected);
  // The embedding alone: 95 layers do not split over 32 stages; Megatron refuses it (transformer_config.py).
  EXPECT_EQ(load_error(deep_model(kPp32, "  account_for_embedding_in_pipeline_split: true\n")),
            "s.yaml:12:44: parallelism.account_for_embedding_in_pipeline_split: 94 layers + the embedding do not split "
            "evenly over 32 pipeline stages (expected a stage count dividing 95); hint: Megatron-Core requires it "
            "(transformer_config.py)");
}

TEST(StagePlan, TheEmbeddingAndTheLossMayEachHaveAStageOfTheirOwn) {
  // Llama 3's 405B placement (126 layers on 16 x 8 chunks, the first chunk the embedding alone, the last the
  // output head and loss alone) at this model's depth: 94 + 2 = 96 = 32 x 3 virtual stages of one layer each.
  const std::string pp32v3 = "  pp: 32\n  schedule: interleaved\n  virtual_stages: 3\n  dp: 1\n";
  const std::string both =
      "  account_for_embedding_in_pipeline_split: true\n  account_for_loss_in_pipeline_split: true\n";
  const StagePlan plan = plan_stages(parse_scenario(deep_model(pp32v3, both), "s.yaml"), PlacementCosts{});
  std::vector<int> expected(96, 1);
  expected.front() = expected.back() = 0;
  std::vector<int> counts;
  for (const Stage& stage : plan.stages) counts.push_back(stage.layer_count);
  EXPECT_EQ(counts, expected);
  EXPECT_TRUE(plan.stages.front().embedding);
  EXPECT_TRUE(plan.stages.back().output_head);
  // Without the split counting them, 96 stages are more than the 94 layers can fill.
  EXPECT_EQ(load_error(deep_model(pp32v3, "")),
            "s.yaml:9:7: parallelism.pp: 96 pipeline stages for 94 layers (expected at most one stage per layer); "
            "hint: account_for_embedding/loss_in_pipeline_split give each a stage");
}

TEST(StagePlan, MegatronFirstAndLastPipelineRanks) {
  // By hand: 94 - 16 - 14 = 64 layers for 6 middle ranks of pp 8 do not split (64 / 6); 94 - 10 - 12 = 72 do,
  // 12 each. Interleaved v 2: each rank's layers halve over its chunks, stage d + 8k on rank d.
  const std::string plain = "  pp: 8\n  schedule: 1f1b\n  dp: 4\n";
  const std::string split = "  decoder_first_pipeline_num_layers: 10\n  decoder_last_pipeline_num_layers: 12\n";
  EXPECT_EQ(counts_of(deep_model(plain, split)), (std::vector<int>{10, 12, 12, 12, 12, 12, 12, 12}));
  const std::string v2 = "  pp: 8\n  schedule: interleaved\n  virtual_stages: 2\n  dp: 4\n";
  EXPECT_EQ(counts_of(deep_model(v2, split)), (std::vector<int>{5, 6, 6, 6, 6, 6, 6, 6, 5, 6, 6, 6, 6, 6, 6, 6}));
  EXPECT_EQ(load_error(deep_model(plain, "  decoder_first_pipeline_num_layers: 16\n  decoder_last_pipeline_num_layers: 14\n")),
            "s.yaml:12:38: parallelism.decoder_first_pipeline_num_layers: leaves 64 of the 94 layers for 6 middle "
            "pipeline ranks of 1 virtual stages (expected a remainder that splits evenly over the middle ranks and "
            "their virtual stages); hint: Megatron-Core requires it (transformer_config.py)");
  // Megatron: a rank's layers must split over its virtual stages (11 over 2 does not).
  EXPECT_NE(load_error(deep_model(v2, "  decoder_first_pipeline_num_layers: 11\n"))
                .find("parallelism.decoder_first_pipeline_num_layers: 11 layers do not split over 2 virtual stages"),
            std::string::npos);
  EXPECT_EQ(load_error(deep_model(plain, "  decoder_last_pipeline_num_layers: 0\n"))
                .rfind("s.yaml:12:37: parallelism.decoder_last_pipeline_num_layers: 0 is out of range", 0),
            0u);
  EXPECT_EQ(load_error(deep_model(kPp32, "  account_for_loss_in_pipeline_split: true\n"))
                .rfind("s.yaml:12:39: parallelism.account_for_loss_in_pipeline_split: 94 layers + the loss do not split", 0),
            0u);
  // Not with an explicit list, nor with both styles, nor with DualPipe.
  EXPECT_NE(load_error(deep_model(plain, split + "  layers_per_stage: [10, 12, 12, 12, 12, 12, 12, 12]\n"))
                .find("beside an explicit layers_per_stage list"),
            std::string::npos);
  EXPECT_NE(load_error(deep_model(plain, split + "  account_for_loss_in_pipeline_split: true\n")).find("both Megatron split styles"),
            std::string::npos);
  EXPECT_NE(load_error(deep_model("  pp: 8\n  schedule: dualpipe\n  dp: 4\n", split)).find("with the dualpipe schedule"),
            std::string::npos);
}

}  // namespace
}  // namespace trainsim::sim
