// Stage ops add up to the priced op catalog, in the order DeepSeek-V3's overlap works with.
#include "sim/step/stage_ops.h"

#include <gtest/gtest.h>

#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

Scenario deepseek() { return load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml"); }

TEST(StageOps, AddUpToThePricedCatalog) {
  const Scenario s = deepseek();
  const StagePlan plan = plan_stages(s, PlacementCosts{});
  const hw::RooflineOpTimeModel model(s.cluster.gpu, hw::RooflineEfficiencies{});
  const PricedModel priced = price_model(s, model);
  for (const Stage& stage : {plan.stages.front(), plan.stages.back()}) {
    const StageOps ops = stage_ops(stage, priced, s.job.model, model);
    const LayerTiming t = stage_totals(stage, priced, s.job.model).timing;
    // Conservation: the same op times summed in another grouping; 1e-12 s is rounding on sums of ~1 s.
    EXPECT_NEAR(ops.compute_s(ops.forward), t.forward_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.backward_input), t.backward_input_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.weight), t.weight_backward_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.backward), t.backward_input_s + t.weight_backward_s, 1e-12);
    int ep_ops = 0;
    for (const StageOp& op : ops.forward) ep_ops += op.kind == WorkKind::kEp ? 1 : 0;
    int moe_layers = 0;
    for (int l = stage.first_layer; l < stage.first_layer + stage.layer_count; ++l) moe_layers += s.job.model.is_moe_layer(l);
    moe_layers += stage.mtp_modules;
    EXPECT_EQ(ep_ops, 2 * moe_layers);  // a dispatch and a combine per MoE layer
  }
  // DeepSeek-V3's forward of a MoE layer in the order the overlap works with.
  const StageOps ops = stage_ops(plan.stages[1], priced, s.job.model, model);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < 6; ++i) names.push_back(ops.forward[i].name);
  EXPECT_EQ(names, (std::vector<std::string>{"F L3 attention", "F L3 router", "F L3 dispatch", "F L3 experts",
                                             "F L3 combine", "F L3 combine_sum"}));
}

}  // namespace
}  // namespace trainsim::sim
