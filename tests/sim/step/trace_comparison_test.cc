// The comparison of DeepSeek's profiled F&B pair with the scenario's pricing: the trace side reads what the
// trace holds (the block figures issue 13 quotes from it), and the priced side is the scenario's MoE layer,
// conserved: its groups add up to the layer's compute and EP time times the layers of a chunk.
#include "sim/step/trace_comparison.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hardware/kineto_trace.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

TEST(TraceComparison, ReadsTheTraceAndConservesThePricedLayer) {
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml");
  const PricedScenario priced(s);
  const hw::TraceSummary trace = hw::summarize_trace(
      hw::read_kineto_trace(TRAINSIM_SOURCE_DIR "/hardware/calibration/traces/deepseek-v3-h800-train.json"));
  const TraceComparison c = compare_with_trace(priced, trace, 4);
  ASSERT_EQ(c.groups.size(), 8u);
  // Issue 13's figures, read off this trace by hand: attention F 17.45 ms, MoE B+W 46.73 ms, combine F 34.7 ms
  // (2% covers the rounding and the grouping of a few tiny kernels, tests/hardware/trace_summary_test.cc).
  EXPECT_NEAR(c.groups[0].trace_s, 17.45e-3, 0.02 * 17.45e-3);
  EXPECT_NEAR(c.groups[3].trace_s, 46.73e-3, 0.02 * 46.73e-3);
  EXPECT_NEAR(c.groups[5].trace_s, 34.7e-3, 0.02 * 34.7e-3);
  // Conservation: the four compute groups hold the layer's compute, x 4 layers. The four EP groups are the
  // simulated pair's kernels, one at a time on the GPU's links, so at link rate: the layer's EP time x 4, within
  // 1% for the engine's route latencies (tests/sim/step/pair_simulation_test.cc).
  const LayerTiming& layer = priced.at_schedule_sms.moe.timing;
  double compute_s = 0, ep_s = 0;
  for (std::size_t i = 0; i < 4; ++i) compute_s += c.groups[i].trainsim_s;
  for (std::size_t i = 4; i < 8; ++i) ep_s += c.groups[i].trainsim_s;
  EXPECT_NEAR(compute_s, 4 * layer.compute_s(), 1e-9 * compute_s);
  EXPECT_NEAR(ep_s, 4 * (layer.ep_forward_s + layer.ep_backward_s), 0.01 * ep_s);
  // The simulated wall is at least the pair's compute (less SimGrid's 1e-9 s rounding, a few dozen times over).
  EXPECT_GE(c.pair_wall.trainsim_s, compute_s - 1e-7);
  double kinds_s = 0;
  for (const ComparedTime& k : c.kinds) kinds_s += k.trainsim_s;
  EXPECT_NEAR(kinds_s, compute_s, 1e-9 * compute_s);
  EXPECT_EQ(c.pair_wall.trace_s, trace.wall_seconds);
}

// Issue 13's check: priced by the shipped calibration made from this trace (hardware/calibration/h800-trace.yaml,
// fitted family by family), every compute group of the pair within 10% of the trace and the pair's wall within
// 5%. The targets are the issue's; the trace is the measurement. The EP groups are not held to it: the trace's
// DeepEP kernels include waiting for 63 peers (sim/step/pair_simulation.h), which no bandwidth model prices.
TEST(TraceComparison, TheShippedCalibrationPricesThePairWithinIssue13sTargets) {
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml");
  ASSERT_NE(s.cluster.calibration, nullptr);
  ASSERT_EQ(s.cluster.calibration->file, "hardware/calibration/h800-trace.yaml");
  const PricedScenario priced(s);
  const hw::TraceSummary trace = hw::summarize_trace(
      hw::read_kineto_trace(TRAINSIM_SOURCE_DIR "/hardware/calibration/traces/deepseek-v3-h800-train.json"));
  const TraceComparison c = compare_with_trace(priced, trace, 4);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_LT(std::abs(c.groups[i].error()), 0.10) << c.groups[i].name;
  EXPECT_LT(std::abs(c.pair_wall.error()), 0.05);
}

}  // namespace
}  // namespace trainsim::sim
