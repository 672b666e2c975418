// Stage ops add up to the priced op catalog, in the order DeepSeek-V3's overlap works with.
#include "sim/step/stage_ops.h"
#include "tests/sim/step/deepseek_scenario.h"

#include <gtest/gtest.h>


namespace trainsim::sim {
namespace {

TEST(StageOps, AddUpToThePricedCatalog) {
  const Scenario s = deepseek();
  const StagePlan plan = plan_stages(s, PlacementCosts{});
  const hw::RooflineOpTimeModel model(s.cluster.gpu, hw::RooflineEfficiencies{});
  const PricedModel priced = price_model(s, model);
  for (const Stage& stage : {plan.stages.front(), plan.stages.back()}) {
    const StageOps ops = stage_ops(stage, priced, s.job.model, model, s.cluster);
    const LayerTiming t = stage_totals(stage, priced, s.job.model).timing;
    // Conservation: the same op times summed in another grouping; 1e-12 s is rounding on sums of ~1 s.
    EXPECT_NEAR(ops.compute_s(ops.forward), t.forward_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.backward_input), t.backward_input_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.weight), t.weight_backward_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.backward), t.backward_input_s + t.weight_backward_s, 1e-12);
    int ep_ops = 0;
    for (const StageOp& op : ops.forward) ep_ops += op.kind == StageOpKind::kEp ? 1 : 0;
    int moe_layers = 0;
    for (int l = stage.first_layer; l < stage.first_layer + stage.layer_count; ++l) moe_layers += s.job.model.is_moe_layer(l);
    moe_layers += stage.mtp_modules;
    EXPECT_EQ(ep_ops, 2 * moe_layers);  // a dispatch and a combine per MoE layer
  }
  // DeepSeek-V3's forward of a MoE layer in the order the overlap works with.
  const StageOps ops = stage_ops(plan.stages[1], priced, s.job.model, model, s.cluster);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < 6; ++i) names.push_back(ops.forward[i].name);
  EXPECT_EQ(names, (std::vector<std::string>{"F L3 attention", "F L3 router", "F L3 dispatch", "F L3 experts",
                                             "F L3 combine", "F L3 combine_sum"}));
}

// Each stage op's time split by op kind adds up to its time (conservation), the routed part's split to the
// routed part; the tolerance is a few ulps of summing some tens of op times.
TEST(StageOps, SplitByOpKindAddsUpToEachOp) {
  const Scenario s = deepseek();
  const StagePlan plan = plan_stages(s, PlacementCosts{});
  const hw::RooflineOpTimeModel model(s.cluster.gpu, hw::RooflineEfficiencies{});
  const PricedModel priced = price_model(s, model);
  for (const Stage& stage : plan.stages) {
    const StageOps ops = stage_ops(stage, priced, s.job.model, model, s.cluster);
    for (const auto* pass : {&ops.forward, &ops.backward_input, &ops.weight, &ops.backward})
      for (const StageOp& op : *pass) {
        double sum = 0, routed = 0;
        for (double v : op.compute_by_kind_s) sum += v;
        for (double v : op.routed_by_kind_s) routed += v;
        EXPECT_NEAR(sum, op.compute_s, 1e-12 * (1 + op.compute_s)) << op.name;
        EXPECT_NEAR(routed, op.routed_compute_s, 1e-12 * (1 + op.compute_s)) << op.name;
        // The passes of its routed part are known exactly where it has one (the step graph re-prices them).
        EXPECT_EQ(op.routed_passes != 0, op.routed_compute_s > 0) << op.name;
        if (op.routed_passes != 0) {
          EXPECT_GE(op.model_layer, 0) << op.name;
        }
      }
  }
}

// Ops are placed by their role, not by their name: the catalog with every op renamed gives the same stage
// ops (DeepSeek-V3 with TP 2 so that every slot, TP collectives included, has ops).
TEST(StageOps, RenamingEveryOpMovesNone) {
  Scenario s = deepseek();
  s.layout.tp = 2;
  const StagePlan plan = plan_stages(s, PlacementCosts{});
  const hw::RooflineOpTimeModel model(s.cluster.gpu, hw::RooflineEfficiencies{});
  const PricedModel priced = price_model(s, model);
  PricedModel renamed = priced;
  int n = 0;
  for (PricedLayer* layer : {&renamed.dense, &renamed.moe, &renamed.embedding, &renamed.head, &renamed.mtp})
    for (models::Op& op : layer->ops.ops) op.name = "op" + std::to_string(n++);
  auto same = [](const std::vector<StageOp>& a, const std::vector<StageOp>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].name != b[i].name || a[i].kind != b[i].kind || a[i].compute_s != b[i].compute_s ||
          a[i].routed_compute_s != b[i].routed_compute_s || a[i].compute_by_kind_s != b[i].compute_by_kind_s ||
          a[i].nvlink_bytes != b[i].nvlink_bytes || a[i].nic_bytes != b[i].nic_bytes)
        return false;
    return true;
  };
  for (const Stage& stage : {plan.stages.front(), plan.stages[1], plan.stages.back()}) {
    const StageOps before = stage_ops(stage, priced, s.job.model, model, s.cluster);
    const StageOps after = stage_ops(stage, renamed, s.job.model, model, s.cluster);
    EXPECT_TRUE(same(before.forward, after.forward));
    EXPECT_TRUE(same(before.backward_input, after.backward_input));
    EXPECT_TRUE(same(before.weight, after.weight));
    EXPECT_TRUE(same(before.backward, after.backward));
    int tp_ops = 0;
    for (const StageOp& op : after.forward) tp_ops += op.kind == StageOpKind::kTp ? 1 : 0;
    EXPECT_GT(tp_ops, 0);
  }
}

}  // namespace
}  // namespace trainsim::sim
