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

}  // namespace
}  // namespace trainsim::sim
