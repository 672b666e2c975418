// Simulated steps (issue 5) at stage fidelity: the closed form lands within 10% of the stage level, the step's
// parts add up, the same scenario gives the same timeline (gpu fidelity's checks: step_simulation_gpu_test.cc).
#include "sim/step/step_simulation.h"

#include <gtest/gtest.h>

#include "core/child_process.h"
#include "models/compute_kind.h"
#include "sim/scenario/scenario_loader.h"
#include "tests/sim/step/step_simulation_fixture.h"

namespace trainsim::sim {
namespace {

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

TEST(StepSimulation, ZeroTwoReductionsEveryMicrobatchAgreeWithTheClosedForm) {
  // Llama-405B at ZeRO 2: each layer's FP32 gradients reduce-scattered after every micro-batch's backward
  // (docs/sources.md#zero-2-reduction), 16 times the volume ZeRO 1 reduces once at the step's end.
  const std::vector<double> stage = llama_dp(true, Fidelity::kStage, 2);
  const std::vector<double> analytic = llama_dp(true, Fidelity::kAnalytic, 2);
  // 10%, issue 5's agreement between the closed form and the simulation, on the step.
  EXPECT_NEAR(analytic[0], stage[0], 0.10 * stage[0]);
  // The engine also slows the compute the reductions run under (the SMs NCCL holds), which the closed form
  // leaves out: its exposure is at most the engine's (1e-9: rounding).
  EXPECT_GT(analytic[1], 0);
  EXPECT_LE(analytic[1], stage[1] * (1 + 1e-9));
}

TEST(StepSimulation, ContextParallelCollectivesAgreeWithTheClosedForm) {
  // Llama 3's long-context row (CP 16): the engine runs each layer's K and V all-gathers and their gradients'
  // reduce-scatter as flows on the compute's chain, where the closed form adds their NCCL times.
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/llama-3.1-405b-16384xh100-131k.yaml");
  const StepEstimate analytic = estimate_step_at_batch(PricedScenario(s), s.job.global_batch_sequences);
  const std::vector<double> stage = run_in_child([&] {
    const StepEstimate e = simulate_step(PricedScenario(s), s.job.global_batch_sequences, StepGraphOptions{}).step;
    return std::vector<double>{e.step_time_s, e.exposed_comm_by_kind_s.at("cp")};
  });
  // 10%, issue 5's agreement between the closed form and the simulation, on the step and on CP's exposure.
  EXPECT_NEAR(analytic.step_time_s, stage[0], 0.10 * stage[0]);
  EXPECT_NEAR(analytic.exposed_comm_by_kind_s.at("cp"), stage[1], 0.10 * stage[1]);
}

// Megatron-Core's EP overlap on NVIDIA's DeepSeek-V3 recipe (TP 2, PP 8 x v 4, EP 64): the interleaved schedule's
// steady F and B run as F&B pairs, so the closed form hides the all-to-alls where the other micro-batch's compute
// covers them, at the 112 SMs DeepEP leaves (compute can only grow), and the engine agrees with it.
TEST(StepSimulation, MegatronsEpOverlapHidesTheAllToAllUnderThePairedMicroBatch) {
  const Scenario paired =
      load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/megatron-bridge-deepseek-v3-1024xh100.yaml");
  Scenario unpaired = paired;
  unpaired.layout.ep_overlap = false;
  const int batch = paired.job.global_batch_sequences;
  const StepEstimate with = estimate_step_at_batch(PricedScenario(paired), batch);
  const StepEstimate without = estimate_step_at_batch(PricedScenario(unpaired), batch);
  EXPECT_EQ(without.hidden_comm_s, 0.0);  // unpaired 1F1B hides no all-to-all
  EXPECT_GT(with.hidden_comm_s, 0.5 * (with.hidden_comm_s + with.exposed_comm_by_kind_s.at("ep")));
  EXPECT_GT(with.compute_s, without.compute_s);
  EXPECT_LT(with.step_time_s, without.step_time_s);
  const std::vector<double> stage = run_in_child([&] {
    const StepEstimate e = simulate_step(PricedScenario(paired), batch, StepGraphOptions{}).step;
    return std::vector<double>{e.step_time_s, e.exposed_comm_by_kind_s.at("ep")};
  });
  // 10%, issue 5's agreement between the closed form and the simulation.
  EXPECT_NEAR(with.step_time_s, stage[0], 0.10 * stage[0]);
  EXPECT_LT(stage[1], without.exposed_comm_by_kind_s.at("ep"));
}

TEST(StepSimulation, SameScenarioSameTimeline) {
  const Scenario s = reduced();
  EXPECT_EQ(simulate(s, 512, Fidelity::kStage), simulate(s, 512, Fidelity::kStage));
}

}  // namespace
}  // namespace trainsim::sim
