// Simulated steps at gpu fidelity (issue 5): it agrees with stage fidelity within 3% on a reduced DeepSeek-V3
// with balanced routing, an overloaded expert GPU slows the step at both levels, and both report the same op
// kinds. Labelled `long`: each simulates every GPU of a 256-GPU replica (minutes under ASan).
#include "sim/step/step_simulation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/compute_kind.h"
#include "routed_loads.h"
#include "tests/sim/step/step_simulation_fixture.h"

namespace trainsim::sim {
namespace {

TEST(StepSimulation, StageAndGpuFidelityAgreeOnDeepSeekV3) {
  const Scenario s = reduced();
  const std::vector<double> stage = simulate(s, 8 * 64, Fidelity::kStage);
  const std::vector<double> gpu = simulate(s, 8 * 64, Fidelity::kGpu);
  EXPECT_EQ(gpu[5], 256);  // the replica: 4 devices x 64 GPUs (DP 64 = EP: the DP rings stay inside it)
  EXPECT_EQ(stage[5], 4);
  // 3%, the agreement issue 5 set for the two levels. With balanced routing every GPU of a device does the
  // stage GPU's work, so they differ only in how communication is carried (stage: the expected bytes per GPU
  // to idle peers; gpu: each GPU's flows sharing the replica's links max-min), and that communication is
  // mostly hidden under compute: a larger gap means one level mis-builds the step.
  EXPECT_NEAR(gpu[0], stage[0], 0.03 * stage[0]);
  EXPECT_NEAR(gpu[1], stage[1], 0.03 * stage[1]);
}

// The router's per-GPU rows and traffic: the busiest GPU sets the pace (stage fidelity runs it; at gpu
// fidelity the all-to-alls make every GPU wait for it, and it receives more).
TEST(StepSimulation, AnOverloadedExpertGpuSlowsTheStep) {
  const Scenario s = reduced();
  // A straggler at 1.63 x the balanced rows: 63 x 1% of the others' rows moved onto rank 0, with their bytes.
  const std::int64_t rows = s.job.sequence_length * s.job.model.moe.experts_per_token;
  const auto load = std::make_shared<const models::RoutedStepLoad>(testing::skewed_load(s, rows / 100 * 63, 0.5));
  const double balanced_s = simulate(s, 512, Fidelity::kStage)[0];
  const double stage_s = simulate(s, 512, Fidelity::kStage, load)[0];
  const double gpu_s = simulate(s, 512, Fidelity::kGpu, load)[0];
  // Monotonicity: more work on one GPU cannot speed the step up. The straggler's expert GEMMs compute at most
  // 1.63 x the rows and its ports carry at most 1.63 x the bytes, so with the grouped GEMM's time growing no
  // faster than its rows, no duration grows by more than 1.63 and nor does the step (a longest path whose
  // every duration grows by at most k grows by at most k).
  EXPECT_GT(stage_s, balanced_s);
  EXPECT_LE(stage_s, 1.63 * balanced_s);
  EXPECT_GT(gpu_s, balanced_s);
  // Both levels run the straggler's experts and bytes; gpu fidelity also makes the other GPUs wait for it and
  // their flows into it hold its SMs, so the gpu step is not shorter, within the 3% the two levels agree to on
  // balanced input (test above). (It is longer by about that much: the waits compound under DualPipe's overlap.)
  EXPECT_GE(gpu_s, 0.97 * stage_s);
}

// The step's compute by op kind as {compute_s, key count, then each kind of the vocabulary in order, NaN where
// the key is missing}: a child process hands back numbers only.
std::vector<double> compute_by_kind(const StepEstimate& e) {
  std::vector<double> out{e.compute_s, static_cast<double>(e.compute_by_kind_s.size())};
  for (int k = 0; k < models::kComputeKindCount; ++k) {
    const auto it = e.compute_by_kind_s.find(std::string(models::compute_kind_name(static_cast<models::ComputeKind>(k))));
    out.push_back(it == e.compute_by_kind_s.end() ? std::nan("") : it->second);
  }
  return out;
}

// One vocabulary of op kinds at every fidelity: the same keys at analytic, stage and gpu fidelity (every
// kind but the optimizer, which is reported as optimizer_s), and at each the kinds add up to compute_s
// (conservation). Tolerance: the sum of millions of executed durations at gpu fidelity, to 1e-9 relative.
TEST(StepSimulation, ComputeByOpKindHasTheSameKeysAtEveryFidelityAndSumsToCompute) {
  const Scenario s = reduced();
  const int batch = 8 * 64;
  const std::vector<double> analytic = run_in_child(
      [&] { return compute_by_kind(estimate_step_at_batch(PricedScenario(s), batch)); });
  auto simulated = [&](Fidelity fidelity) {
    return run_in_child([&] {
      StepGraphOptions options;
      options.fidelity = fidelity;
      return compute_by_kind(simulate_step(PricedScenario(s), batch, options).step);
    });
  };
  const std::vector<double> stage = simulated(Fidelity::kStage), gpu = simulated(Fidelity::kGpu);
  const int optimizer = static_cast<int>(models::ComputeKind::kOptimizer);
  for (const auto* level : {&analytic, &stage, &gpu}) {
    const std::vector<double>& v = *level;
    EXPECT_EQ(v[1], models::kComputeKindCount - 1);  // every kind but the optimizer
    double sum = 0;
    for (int k = 0; k < models::kComputeKindCount; ++k) {
      const double seconds = v[2 + static_cast<std::size_t>(k)];
      EXPECT_EQ(std::isnan(seconds), k == optimizer) << models::compute_kind_name(static_cast<models::ComputeKind>(k));
      if (k != optimizer) sum += seconds;
    }
    EXPECT_NEAR(sum, v[0], 1e-9 * v[0]);
  }
  // The three levels price the same ops: each kind's share of compute agrees within 3% of compute between
  // the simulated levels (stage runs the busiest GPU where gpu runs all; the bound of the test above).
  for (int k = 0; k < models::kComputeKindCount; ++k) {
    if (k == optimizer) continue;
    EXPECT_NEAR(stage[2 + k] / stage[0], gpu[2 + k] / gpu[0], 0.03) << k;
  }
}

}  // namespace
}  // namespace trainsim::sim
