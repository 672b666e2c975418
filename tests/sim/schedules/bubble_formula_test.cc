// The published bubble formulas as written in the DualPipe README, and where they are exact.
#include "sim/schedules/bubble_formula.h"

#include <gtest/gtest.h>

#include "sim/schedules/schedule_request.h"
#include "sim/schedules/schedule_run.h"

namespace trainsim::sim {
namespace {

// The table of docs/sources.md#pipeline-bubbles by hand, pp 8, F 1, B 2, W 1, F&B 3:
// 1F1B and GPipe 7 x 3 = 21; interleaved (v 3) 21 / 3 = 7; ZB1P 7 x (3 - 2) = 7; DualPipe(V) 3 x (3 + 2 - 3) = 6.
TEST(BubbleFormula, ValuesOfTheReadmeTable) {
  const ChunkTimes t{1.0, 2.0, 1.0, 3.0};
  EXPECT_DOUBLE_EQ(published_bubble_s(ScheduleKind::kOneFOneB, t, 8, 1), 21.0);
  EXPECT_DOUBLE_EQ(published_bubble_s(ScheduleKind::kGPipe, t, 8, 1), 21.0);
  EXPECT_DOUBLE_EQ(published_bubble_s(ScheduleKind::kInterleaved, t, 8, 3), 7.0);
  EXPECT_DOUBLE_EQ(published_bubble_s(ScheduleKind::kZeroBubble1P, t, 8, 1), 7.0);
  EXPECT_DOUBLE_EQ(published_bubble_s(ScheduleKind::kDualPipe, t, 8, 1), 6.0);
  EXPECT_DOUBLE_EQ(published_bubble_s(ScheduleKind::kDualPipeV, t, 8, 1), 6.0);
}

TEST(BubbleFormula, ExactnessFlagMatchesTheExecutor) {
  const ChunkTimes cases[] = {{1.0, 2.0, 1.0, 3.0}, {1.0, 2.0, 1.0, 2.2}, {1.5, 2.0, 0.8, 2.6},
                              {2.0, 3.0, 1.5, 4.0}, {1.0, 3.0, 1.2, 3.0}, {1.0, 4.0, 3.0, 5.0}, {1.0, 2.0, 1.0, 1.5}};
  for (const ChunkTimes& t : cases)
    for (ScheduleKind kind : kAllScheduleKinds) {
      const int pp = 8;
      const ScheduleRun r = run_schedule(make_schedule({kind, pp, 24, 2}), {t});
      const double formula = published_bubble_s(kind, t, pp, 2);
      if (published_bubble_is_exact(kind, t))
        EXPECT_NEAR(r.bubble_s, formula, 1e-9) << schedule_name(kind) << " F " << t.forward_s << " W "
                                               << t.weight_backward_s;
      else
        EXPECT_GT(std::abs(r.bubble_s - formula), 1e-6) << schedule_name(kind) << " flagged inexact but equal";
    }
}

}  // namespace
}  // namespace trainsim::sim
