// Simulated steps (issue 5): stage and gpu fidelity agree within 3% on DeepSeek-V3 with balanced routing
// at a reduced size; the closed form lands within 10% of the stage level; the step's parts add up.
#include "sim/step/step_simulation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/child_process.h"
#include "models/compute_kind.h"
#include "routed_loads.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

Scenario deepseek() { return load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml"); }

// {step, compute, bubble, exposed communication, optimizer, computing GPUs}
std::vector<double> simulate(const Scenario& s, int global_batch, Fidelity fidelity,
                             std::shared_ptr<const models::RoutedStepLoad> load = nullptr) {
  return run_in_child([&] {
    StepGraphOptions options;
    options.fidelity = fidelity;
    options.routed_load = load;
    const StepSimulation sim = simulate_step(PricedScenario(s), global_batch, options);
    const StepEstimate& e = sim.step;
    return std::vector<double>{e.step_time_s, e.compute_s, e.bubble_s, e.exposed_comm_s, e.optimizer_s,
                               static_cast<double>(sim.computing_gpus)};
  });
}

// DeepSeek-V3 on 256 H800 (32 nodes): PP 4 DualPipe, EP 64 over 8 nodes as published, DP 64, the fewest
// micro-batches DualPipe takes (8): every GPU of a pipeline replica at gpu fidelity is 256 GPUs.
Scenario reduced() {
  Scenario s = deepseek();
  s.cluster.nodes = 32;
  s.layout.pp = 4;
  s.layout.dp = 64;
  return s;
}

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

TEST(StepSimulation, AnalyticLandsWithinTenPercentOfStage) {
  const Scenario s = deepseek();
  for (int batch : {s.job.global_batch_sequences, 4096}) {
    const double analytic_s = estimate_step_at_batch(PricedScenario(s), batch).step_time_s;
    const double stage_s = simulate(s, batch, Fidelity::kStage)[0];
    // 10%, the agreement issue 5 set: the closed form takes the bubble from the published formula, only an
    // estimate when F != W (docs/sources.md#pipeline-bubbles), and hides or exposes communication by rule
    // instead of by simulated overlap; the bubble and the exposed communication are each a minority of the
    // step, so a larger gap means a structural difference, not an approximation.
    EXPECT_NEAR(analytic_s, stage_s, 0.10 * stage_s) << "batch " << batch;
  }
}

TEST(StepSimulation, PartsAddUpToTheStep) {
  const std::vector<double> e = simulate(deepseek(), 4096, Fidelity::kStage);
  EXPECT_NEAR(e[1] + e[2] + e[3] + e[4], e[0], 1e-9 * e[0]);
  // Not true by construction: PP 16 must fill and drain (DualPipe's (PP/2-1)(F&B+B-3W) > 0), and the ZeRO
  // gradient reduction after the last backward has no compute left to hide under.
  EXPECT_GT(e[2], 0);
  EXPECT_GT(e[3], 0);
}

// {step, exposed DP} of Llama-3.1-405B as shipped (interleaved, v 2) at stage fidelity or in closed form.
std::vector<double> llama_dp(bool overlap, Fidelity fidelity, int zero_stage = 1) {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/llama-3.1-405b-16384xh100.yaml");
  s.layout.dp_overlap = overlap;
  s.layout.zero_stage = zero_stage;
  if (fidelity == Fidelity::kAnalytic) {
    const StepEstimate e = estimate_step_at_batch(PricedScenario(s), s.job.global_batch_sequences);
    return {e.step_time_s, e.exposed_comm_by_kind_s.at("dp")};
  }
  return run_in_child([&] {
    StepGraphOptions options;
    options.fidelity = fidelity;
    const StepEstimate e = simulate_step(PricedScenario(s), s.job.global_batch_sequences, options).step;
    return std::vector<double>{e.step_time_s, e.exposed_comm_by_kind_s.at("dp")};
  });
}

TEST(StepSimulation, DataParallelOverlapFallsOutOfTheSimulation) {
  const std::vector<double> off = llama_dp(false, Fidelity::kStage), on = llama_dp(true, Fidelity::kStage);
  // Buckets reduced under the last backward: less exposed DP and a shorter step, by no more than the DP
  // exposure it removes: the backward under the reductions runs on the SMs NCCL leaves it (engine.h), so it
  // is slower than alone.
  EXPECT_LT(on[1], off[1]);
  EXPECT_LT(on[0], off[0]);
  EXPECT_LE(off[0] - on[0], off[1] - on[1] + 1e-9 * off[0]);
  // The closed form agrees with the simulation with and without overlap, within the 10% of issue 5 on the step.
  for (bool overlap : {false, true}) {
    const std::vector<double> stage = overlap ? on : off, analytic = llama_dp(overlap, Fidelity::kAnalytic);
    EXPECT_NEAR(analytic[0], stage[0], 0.10 * stage[0]) << "dp_overlap " << overlap;
  }
}

TEST(StepSimulation, ZeroThreeLayerGathersAgreeWithTheClosedForm) {
  // Llama-405B at ZeRO 3: every micro-batch gathers each layer twice and reduces it once; at 50 GB/s per GPU
  // the NIC, not the compute, sets the pace, so DP is a large share of the step at both levels.
  const std::vector<double> stage = llama_dp(true, Fidelity::kStage, 3), analytic = llama_dp(true, Fidelity::kAnalytic, 3);
  const std::vector<double> zero1 = llama_dp(true, Fidelity::kStage, 1);
  EXPECT_GT(stage[1], 5 * zero1[1]);
  // 10%, issue 5's agreement between the closed form and the simulation.
  EXPECT_NEAR(analytic[0], stage[0], 0.10 * stage[0]);
  EXPECT_NEAR(analytic[1], stage[1], 0.10 * stage[1]);
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

TEST(StepSimulation, SameScenarioSameTimeline) {
  const Scenario s = reduced();
  EXPECT_EQ(simulate(s, 512, Fidelity::kStage), simulate(s, 512, Fidelity::kStage));
}

}  // namespace
}  // namespace trainsim::sim
