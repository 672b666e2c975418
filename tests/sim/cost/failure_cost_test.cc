// Checkpoint intervals and the expected wall time against Young's and Daly's formulas worked by hand, and the
// default interruption rate against what Llama 3's paper reports.
#include "sim/cost/failure_cost.h"

#include <gtest/gtest.h>

#include <cmath>

namespace trainsim::sim {
namespace {

TEST(FailureCost, YoungIntervalIsSqrtTwoDeltaM) {
  // delta 60 s, M one day: sqrt(2 x 60 x 86400) = sqrt(10,368,000) = 3219.94 s.
  EXPECT_NEAR(young_interval_s(60, 86400), 3219.94, 0.01);
}

TEST(FailureCost, DalyIntervalByHand) {
  // delta / 2M = 60 / 172800 = 3.4722e-4, its root 0.018634:
  // 3219.938 x (1 + 0.018634 / 3 + 3.4722e-4 / 9) - 60 = 3219.938 x 1.0062499 - 60 = 3180.06 s.
  EXPECT_NEAR(daly_interval_s(60, 86400), 3180.06, 0.01);
  // A checkpoint longer than 2M: Daly's optimum is M itself.
  EXPECT_DOUBLE_EQ(daly_interval_s(500, 200), 200);
}

TEST(FailureCost, DalyIntervalMinimizesTheExpectedWallTime) {
  // The optimum is a law of the model: 10% either side costs more (restart 10 min, M = 10 h, delta 60 s).
  const double best = daly_interval_s(60, 36000);
  const double at_best = expected_wall_time_s(1e6, best, 60, 600, 36000);
  EXPECT_LT(at_best, expected_wall_time_s(1e6, 0.9 * best, 60, 600, 36000));
  EXPECT_LT(at_best, expected_wall_time_s(1e6, 1.1 * best, 60, 600, 36000));
}

TEST(FailureCost, ExpectedWallTimeByHand) {
  // M 36000 s, R 600 s, tau 3600 s, delta 60 s, T_s 1e6 s:
  // 36000 x e^(1/60) x (e^(3660/36000) - 1) x 1e6 / 3600 = 36000 x 1.016806 x 0.107014 x 277.78 = 1.08813e6 s.
  EXPECT_NEAR(expected_wall_time_s(1e6, 3600, 60, 600, 36000), 1.08813e6, 10);
  // Without interruptions (M huge) only the checkpoints cost: T_s (1 + delta / tau) = 1e6 x 61 / 60.
  EXPECT_NEAR(expected_wall_time_s(1e6, 3600, 60, 600, 1e15), 1e6 * 3660.0 / 3600.0, 1.0);
}

TEST(FailureCost, DefaultRateIsLlama3s) {
  // Llama 3 (arXiv 2407.21783, 3.3.4): 419 unexpected interruptions in 54 days on 16,384 GPUs, "one failure
  // every three hours" as the press summarized it: 54 x 24 / 419 = 3.093 h for the job.
  const hw::FailureSpec spec;
  const FailureCost cost = failure_cost(spec, 16384, 54 * 86400.0, 0);
  EXPECT_NEAR(cost.job_mtbf_s / 3600, 54.0 * 24 / 419, 1e-9);
  // An empty checkpoint writes in no time and is taken continuously (the interval shrinks to 0 with delta):
  // each interruption costs the restart alone, T_w = e^{R/M} T_s.
  EXPECT_DOUBLE_EQ(cost.checkpoint_interval_s, 0);
  EXPECT_NEAR(cost.wall_time_s, std::exp(spec.restart_s / cost.job_mtbf_s) * 54 * 86400.0, 1e-6);
}

TEST(FailureCost, CheckpointAndRestartFromBytes) {
  hw::FailureSpec spec;
  spec.checkpoint_write_bytes_per_s = 1e12;
  spec.checkpoint_read_bytes_per_s = 2e12;
  spec.restart_s = 300;
  spec.gpu_mtbf_s = 2048 * 86400.0;  // one interruption a day on 2048 GPUs
  const FailureCost cost = failure_cost(spec, 2048, 30 * 86400.0, 6e12);
  EXPECT_DOUBLE_EQ(cost.job_mtbf_s, 86400);
  EXPECT_DOUBLE_EQ(cost.checkpoint_write_s, 6);     // 6 TB at 1 TB/s
  EXPECT_DOUBLE_EQ(cost.restart_s, 300 + 3);        // the restart, then 6 TB read at 2 TB/s
  EXPECT_TRUE(cost.interval_optimal);
  EXPECT_DOUBLE_EQ(cost.checkpoint_interval_s, daly_interval_s(6, 86400));
  // About 30 interruptions in 30 days, each losing half an interval and the restart: goodput in (0.98, 1).
  EXPECT_NEAR(cost.interruptions, 30, 1);
  EXPECT_GT(cost.goodput(), 0.98);
  EXPECT_LT(cost.goodput(), 1.0);
  spec.checkpoint_interval_s = 3600;
  const FailureCost hourly = failure_cost(spec, 2048, 30 * 86400.0, 6e12);
  EXPECT_FALSE(hourly.interval_optimal);
  EXPECT_GT(hourly.wall_time_s, cost.wall_time_s);  // not the optimum: longer
}

}  // namespace
}  // namespace trainsim::sim
