// The analytic step estimate: its parts add up, schedules rank as their bubbles say, memory that does not
// fit is an input error naming the largest terms, and the same input gives the same numbers.
#include "sim/step/step_estimate.h"

#include <gtest/gtest.h>

#include "tests/sim/scenario/scenario_test_text.h"
#include "sim/scenario/scenario_loader.h"
#include "hardware/nccl_collective.h"
#include "models/model_presets.h"
#include "models/model_size.h"
#include "sim/schedules/bubble_formula.h"
#include "sim/schedules/schedule_comparison.h"
#include "sim/schedules/schedule_request.h"
#include "sim/schedules/schedule_run.h"

#include <algorithm>

namespace trainsim::sim {
namespace {

using testing::with;

Estimate estimate(const std::string& text) { return estimate_step(parse_scenario(text, "s.yaml")); }

// Llama-3.1-405B as shipped but 1F1B (one stage per device), DP overlap as `overlap`, bucket as `bucket`.
StepEstimate llama_step(bool overlap, double bucket = 0) {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/llama-3.1-405b-16384xh100.yaml");
  s.layout.schedule = ScheduleKind::kOneFOneB;
  s.layout.virtual_stages = 1;
  s.layout.dp_overlap = overlap;
  s.layout.dp_bucket_parameters = bucket;
  return estimate_step(s).step;
}

TEST(StepEstimate, DataParallelReductionOverlapsTheLastBackward) {
  const StepEstimate off = llama_step(false), on = llama_step(true), one_bucket = llama_step(true, 1e13);
  // One bucket per device is ready only when its last backward ends: nothing to overlap, the same exposure
  // as reducing after the backward (1e-12: the same collectives summed in another order).
  EXPECT_NEAR(one_bucket.exposed_comm_by_kind_s.at("dp"), off.exposed_comm_by_kind_s.at("dp"),
              1e-12 * off.exposed_comm_by_kind_s.at("dp"));
  // 128M-parameter buckets: the gradients' reduce-scatter (4-byte gradients, two thirds of the DP bytes at
  // ZeRO 1 with 2-byte weights) hides under the backward but for its last bucket; the weights' all-gather
  // after the optimizer (the other third) stays exposed.
  EXPECT_LT(on.exposed_comm_by_kind_s.at("dp"), 0.5 * off.exposed_comm_by_kind_s.at("dp"));
  EXPECT_GT(on.exposed_comm_by_kind_s.at("dp"), off.exposed_comm_by_kind_s.at("dp") / 3);
  EXPECT_NEAR(off.step_time_s - on.step_time_s,
              off.exposed_comm_by_kind_s.at("dp") - on.exposed_comm_by_kind_s.at("dp"), 1e-9 * off.step_time_s);
}

TEST(StepEstimate, ZeroThreeGathersLengthenTheChunksAndThePartsStillAddUp) {
  const StepEstimate zero1 = estimate(testing::kValidScenario).step;
  const StepEstimate e = estimate(with("  dp: 8", "  dp: 8\n  zero_stage: 3")).step;
  const double parts = e.compute_s + e.exposed_comm_by_kind_s.at("ep") + e.exposed_comm_by_kind_s.at("tp") + e.bubble_s +
                       e.exposed_comm_by_kind_s.at("pp") + e.exposed_comm_by_kind_s.at("dp") + e.optimizer_s;
  EXPECT_NEAR(parts, e.step_time_s, 1e-9 * e.step_time_s);
  // Every micro-batch gathers each layer twice and reduces it once: more DP time than ZeRO 1's once a step.
  EXPECT_GT(e.exposed_comm_by_kind_s.at("dp"), zero1.exposed_comm_by_kind_s.at("dp"));
  // The step up to the optimizer is longer. The optimizer term itself is shorter: ZeRO 3 zeroes a dp-th of the
  // gradient buffer ZeRO 1 zeroes (data_parallel.h), which can outweigh the gathers the schedule hides.
  EXPECT_GT(e.step_time_s - e.optimizer_s, zero1.step_time_s - zero1.optimizer_s);
  EXPECT_LT(e.optimizer_s, zero1.optimizer_s);
}

TEST(StepEstimate, PartsAddUpToTheStep) {
  const StepEstimate e = estimate(testing::kValidScenario).step;
  EXPECT_EQ(e.microbatches, 8);  // global batch 64 / (dp 8 x micro-batch 1)
  const double parts = e.compute_s + e.exposed_comm_by_kind_s.at("ep") + e.exposed_comm_by_kind_s.at("tp") + e.bubble_s +
                       e.exposed_comm_by_kind_s.at("pp") + e.exposed_comm_by_kind_s.at("dp") + e.optimizer_s;
  EXPECT_NEAR(parts, e.step_time_s, 1e-9 * e.step_time_s);
  // MFU by hand: 64 sequences x 4096 tokens x the model's training FLOPs per token (MTP included) over the
  // step on 32 GPUs at the H800's BF16 dense peak of 989 TFLOP/s (docs/sources.md#dense-peaks).
  const double model_flops = 64.0 * 4096 * models::train_flops_per_token(models::load_preset("deepseek-v3"), 4096, true);
  EXPECT_NEAR(e.mfu, model_flops / (e.step_time_s * 32 * 989e12), 1e-12 * e.mfu);
}

TEST(StepEstimate, DualPipeHidesExpertCommunicationThat1F1BExposes) {
  const StepEstimate dualpipe = estimate(testing::kValidScenario).step;
  const StepEstimate one_f_one_b = estimate(with("schedule: dualpipe", "schedule: 1f1b")).step;
  EXPECT_GT(dualpipe.hidden_comm_s, 0);
  EXPECT_EQ(one_f_one_b.hidden_comm_s, 0);
  EXPECT_GT(one_f_one_b.exposed_comm_by_kind_s.at("ep"), dualpipe.exposed_comm_by_kind_s.at("ep"));
  EXPECT_GT(one_f_one_b.bubble_s, dualpipe.bubble_s);
  EXPECT_GT(one_f_one_b.step_time_s, dualpipe.step_time_s);
}

// The analytic bubble is the executed schedule's: the critical (busiest) device's idle time within the
// makespan of the ideal executor run on the priced chunk times; the published formula is reported beside it.
TEST(StepEstimate, BubbleIsTheExecutedScheduleAndTheFormulaIsReportedBeside) {
  const Scenario s = parse_scenario(with("schedule: dualpipe", "schedule: zb1p"), "s.yaml");
  const PricedScenario priced(s);
  const StepEstimate e = estimate_step(priced).step;
  const ScheduleRun run = run_schedule(make_schedule({ScheduleKind::kZeroBubble1P, 4, e.microbatches, 1}), priced.stage_chunks);
  const double busiest_s = *std::max_element(run.busy_s.begin(), run.busy_s.end());
  EXPECT_EQ(e.bubble_definition, kBubbleExecuted);
  EXPECT_NEAR(e.bubble_s, run.makespan_s - busiest_s, 1e-12 * run.makespan_s);
  EXPECT_EQ(e.pipeline.executed_bubble_s, run.bubble_s);
  EXPECT_DOUBLE_EQ(e.pipeline.formula_bubble_s,
                   published_bubble_s(ScheduleKind::kZeroBubble1P, mean_chunk_times(priced.stage_chunks), 4, 1));
}

TEST(StepEstimate, MemoryThatDoesNotFitIsAnInputError) {
  try {
    estimate(with("{type: h800, hbm_capacity: 1 TiB}", "{type: h800, hbm_capacity: 16 GiB}"));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("s.yaml:9:3: parallelism: needs ", 0), 0u) << message;
    EXPECT_NE(message.find(" per GPU of 16 GiB: optimizer states "), std::string::npos) << message;
    EXPECT_NE(message.find("hint: recompute more"), std::string::npos) << message;
  }
}

TEST(StepEstimate, RecomputationTradesMemoryForTime) {
  const Estimate none = estimate(with("recompute: deepseek", "recompute: none"));
  const Estimate full = estimate(with("recompute: deepseek", "recompute: full"));
  EXPECT_GT(none.memory.breakdown.total_bytes(), full.memory.breakdown.total_bytes());
  EXPECT_LT(none.step.compute_s, full.step.compute_s);
}

TEST(StepEstimate, SameInputSameNumbers) {
  const StepEstimate a = estimate(testing::kValidScenario).step, b = estimate(testing::kValidScenario).step;
  EXPECT_EQ(a.step_time_s, b.step_time_s);
  EXPECT_EQ(a.compute_by_kind_s, b.compute_by_kind_s);
}

// Llama 3's long-context row (CP 16 at sequence 131,072): every micro-batch, each of the critical device's 8
// one-layer chunks all-gathers K and V of the whole sequence twice (forward, and again in backward) and
// reduce-scatters their gradients once, exposed (Meta: "the all-gather communication latency is exposed in the
// critical path"). Each collective: 131,072 tokens x 1 KV head a GPU x (128 + 128) x 2 bytes over 16 ranks, one a
// node, as NCCL's model prices it on the cluster's NICs.
TEST(StepEstimate, ContextParallelCollectivesAreExposedOncePerLayerAndPass) {
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/llama-3.1-405b-16384xh100-131k.yaml");
  const StepEstimate e = estimate_step(s).step;
  const double bytes = 131072.0 * (128 + 128) * 2;
  const hw::ClusterSpec cluster = s.cluster.with_nic_share_per_gpu();
  const double gather_s = hw::nccl_collective_time({hw::CollectiveKind::kAllGather, bytes, 16, 1}, cluster).seconds();
  const double scatter_s =
      hw::nccl_collective_time({hw::CollectiveKind::kReduceScatter, bytes, 16, 1}, cluster).seconds();
  EXPECT_EQ(e.microbatches, 16);  // 128 sequences / dp 8
  EXPECT_NEAR(e.exposed_comm_by_kind_s.at("cp"), 16 * 8 * (2 * gather_s + scatter_s), 1e-9 * e.step_time_s);
  const double parts = e.compute_s + e.exposed_comm_by_kind_s.at("ep") + e.exposed_comm_by_kind_s.at("tp") +
                       e.exposed_comm_by_kind_s.at("cp") + e.bubble_s + e.exposed_comm_by_kind_s.at("pp") +
                       e.exposed_comm_by_kind_s.at("dp") + e.optimizer_s;
  EXPECT_NEAR(parts, e.step_time_s, 1e-9 * e.step_time_s);
  // A scenario without CP reports no CP term.
  EXPECT_EQ(estimate(testing::kValidScenario).step.exposed_comm_by_kind_s.count("cp"), 0u);
}

}  // namespace
}  // namespace trainsim::sim
