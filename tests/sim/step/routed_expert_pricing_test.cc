// Re-pricing the routed experts at a GPU's rows: at the balanced rows it gives back each stage op's routed part
// pass by pass (the step graph swaps one for the other), no rows cost nothing, more rows never cost less.
#include "sim/step/routed_expert_pricing.h"

#include <gtest/gtest.h>

#include "sim/step/priced_scenario.h"
#include "sim/step/stage_ops.h"
#include "tests/sim/step/deepseek_scenario.h"

namespace trainsim::sim {
namespace {

TEST(RoutedExpertPricing, BalancedRowsGiveBackEachStageOpsRoutedPart) {
  const Scenario s = deepseek();
  const PricedScenario priced(s);
  RoutedExpertPricing pricing(s.job.model, op_context(s), priced.full_sms_model);
  EXPECT_EQ(pricing.balanced_rows(), 4096 * 8);  // a 4096-token micro-batch, top-8
  const RoutedSeconds& balanced = pricing.at_rows(pricing.balanced_rows());
  int routed_ops = 0;
  for (const Stage& stage : priced.plan.stages) {
    const StageOps ops = stage_ops(stage, priced.at_full_sms, s.job.model, priced.full_sms_model, s.cluster);
    for (const auto* pass : {&ops.forward, &ops.backward_input, &ops.weight, &ops.backward})
      for (const StageOp& op : *pass) {
        if (op.routed_passes == 0) continue;
        ++routed_ops;
        // A few ulps of summing some tens of op times.
        EXPECT_NEAR(balanced.seconds(op.routed_passes), op.routed_compute_s, 1e-12 * op.compute_s) << op.name;
        const models::ComputeKindSeconds by_kind = balanced.by_kind(op.routed_passes);
        for (std::size_t k = 0; k < by_kind.size(); ++k)
          EXPECT_NEAR(by_kind[k], op.routed_by_kind_s[k], 1e-12 * op.compute_s) << op.name << " kind " << k;
      }
  }
  EXPECT_GT(routed_ops, 0);
}

TEST(RoutedExpertPricing, NoRowsCostNothingAndMoreRowsNeverLess) {
  const Scenario s = deepseek();
  const PricedScenario priced(s);
  RoutedExpertPricing pricing(s.job.model, op_context(s), priced.full_sms_model);
  const unsigned all = pass_bit(models::Pass::kForward) | pass_bit(models::Pass::kBackwardInput) |
                       pass_bit(models::Pass::kBackwardWeight);
  EXPECT_EQ(pricing.at_rows(0).seconds(all), 0.0);  // a rank no token reaches launches no expert kernel
  // Monotonicity: a grouped GEMM's tiles, waves and bytes never shrink with its rows. Up to twice the balanced
  // rows: past that the calibration's coverage ends (hw::kCoverageMargin: 2 x the FLOPs it measured, at the
  // balanced shapes) and the roofline that takes over prices these GEMMs lower, a step down at the edge (0.0232
  // s at 65536 rows, 0.0215 s at 66048) that belongs to the op-time model, not to the re-pricing.
  double before = 0;
  for (std::int64_t rows = 512; rows <= 2 * pricing.balanced_rows(); rows += 512) {
    const double seconds = pricing.at_rows(rows).seconds(all);
    EXPECT_GE(seconds, before) << rows << " rows";
    before = seconds;
  }
  // Computed once per row count.
  EXPECT_EQ(&pricing.at_rows(4096), &pricing.at_rows(4096));
}

}  // namespace
}  // namespace trainsim::sim
