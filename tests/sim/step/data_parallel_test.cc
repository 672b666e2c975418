// The ZeRO collectives as NCCL runs them over the NICs, and the gradient buckets that overlap them with the
// backward: hand-computed from NCCL's ring (tuning.cc: 8.4 us base,
// 14 us per network step) and 0.94 of a 50 GB/s NIC (docs/sources.md#nccl). 1e-12 relative: double rounding.
#include "sim/step/data_parallel.h"

#include <gtest/gtest.h>

#include "sim/scenario/scenario_loader.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::sim {
namespace {

Scenario llama(int zero_stage) {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/llama-3.1-405b-16384xh100.yaml");
  s.layout.zero_stage = zero_stage;
  s.job.optimizer.gradient_bytes = 4;  // FP32 gradients
  s.job.optimizer.weight_bytes = 2;    // BF16 weights
  return s;
}

void expect_rel(double got, double expected) { EXPECT_NEAR(got, expected, 1e-12 * expected); }

// The gradient buffer a GPU zeroes each step holds every gradient it accumulates: 1e9 dense parameters and 2e9
// experts' at 4 bytes, 12 GB, under ZeRO 1; from ZeRO 2 a share of it, 1e9 / 128 + 2e9 / 1024 (the experts'
// replicas: dp x tp / ep = 1024).
TEST(DataParallel, TheGradientBufferIsTheGradientsAGpuHolds) {
  const HeldParameters held{1e9, 2e9};
  expect_rel(gradient_buffer_bytes(llama(0), held), 12e9);
  expect_rel(gradient_buffer_bytes(llama(1), held), 12e9);
  expect_rel(gradient_buffer_bytes(llama(2), held), 4 * (1e9 / 128 + 2e9 / 1024));
  expect_rel(gradient_buffer_bytes(llama(3), held), 4 * (1e9 / 128 + 2e9 / 1024));
}

// On the datasheet roofline both passes stream at 0.8 of the H100's 3.35 TB/s (hardware/op_time_model.h):
// AdamW over the ZeRO 1 shard, 1e9 / 128 parameters of 4 (gradient) + 2 x 4 (master) + 4 x 4 (FP32 moments) + 2
// (weight) = 30 bytes, then the whole 4 GB gradient buffer zeroed.
TEST(DataParallel, TheOptimizerTermIsAdamWOverTheShardThenTheBufferZeroed) {
  Scenario s = llama(1);
  s.cluster.calibration = nullptr;
  s.job.optimizer.master_bytes = 4;
  s.job.optimizer.moment_bytes = 4;
  const PricedScenario priced(s);
  const double bandwidth = 0.8 * 3.35e12;
  expect_rel(optimizer_seconds(s, HeldParameters{1e9, 0}, priced.full_sms_model),
             (1e9 / 128 * 30 + 4e9) / bandwidth);
}

TEST(DataParallel, ZeroOneReduceScattersGradientsAndGathersWeights) {
  // 1e9 parameters over 128 replicas, one per node: a reduce-scatter of 4 GB and an all-gather of 2 GB, each
  // 127 steps (8.4 + 127 x 14 = 1786.4 us) and 127/128 of its size over 47 GB/s.
  const Scenario s = llama(1);
  const ZeroCollectives end = zero_collectives(s, 1e9, 128);
  EXPECT_EQ(end.before_optimizer.kind, hw::CollectiveKind::kReduceScatter);
  EXPECT_EQ(end.after_optimizer.kind, hw::CollectiveKind::kAllGather);
  EXPECT_EQ(end.before_optimizer.ranks_per_node, 1);
  const CommLoad load = dp_collective_load(s, 1e9, 128);
  expect_rel(load.nic_s, (4e9 + 2e9) * 127 / 128 / 47e9);
  expect_rel(load.latency_s, 2 * 1786.4e-6);
  EXPECT_EQ(load.nvlink_s, 0.0);
}

TEST(DataParallel, ZeroThreeGathersTheWeightsTwiceMore) {
  const CommLoad load = dp_collective_load(llama(3), 1e9, 128);
  expect_rel(load.nic_s, (4e9 + 3 * 2e9) * 127 / 128 / 47e9);
  expect_rel(load.latency_s, 4 * 1786.4e-6);
}

TEST(DataParallel, ZeroZeroAllReducesTheGradientsBeforeTheOptimizer) {
  // 4 GB over 128 nodes. Ring: 254 steps, 8.4 + 254 x 14 = 3564.4 us, 2 x 127/128 x 4 GB / 47 GB/s = 168.88 ms.
  // Tree: 2 log2(128) = 14 steps, 204.4 us, but 2 x 4 GB / (0.92 x 47 GB/s) = 185.01 ms: NCCL takes the ring.
  const Scenario s = llama(0);
  const ZeroCollectives end = zero_collectives(s, 1e9, 128);
  EXPECT_EQ(end.before_optimizer.kind, hw::CollectiveKind::kAllReduce);
  EXPECT_EQ(end.after_optimizer.ranks, 1);  // nothing after the optimizer
  const CommLoad load = dp_collective_load(s, 1e9, 128);
  expect_rel(load.nic_s, 2 * 4e9 * 127 / 128 / 47e9);
  expect_rel(load.latency_s, 3564.4e-6);
}

// Llama-3.1-405B as shipped but 1F1B: one stage of 126 / 16 layers (8 or 7) per device.
Scenario llama_1f1b() {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/llama-3.1-405b-16384xh100.yaml");
  s.layout.schedule = ScheduleKind::kOneFOneB;
  s.layout.virtual_stages = 1;
  return s;
}

TEST(DataParallel, BucketsHoldEveryParameterOnceAndCloseAtTheirSize) {
  const Scenario s = llama_1f1b();
  const PricedScenario p(s);
  const HeldParameters held = held_parameters(p.plan, 3, p.at_full_sms, s.job.model);
  // Megatron-Core's default: max(40M, 1M x dp 128) = 128M parameters.
  EXPECT_DOUBLE_EQ(s.layout.dp_bucket(), 128e6);
  const std::vector<GradientBucket> buckets = gradient_buckets(p.plan, 3, p.at_full_sms, s.job.model, s.layout.dp_bucket());
  double sum = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    sum += buckets[i].parameters;
    EXPECT_FALSE(buckets[i].expert);
    // A bucket closes once it holds a bucket's worth; only the stage's rest, the last, may hold less.
    if (i + 1 < buckets.size()) {
      EXPECT_GE(buckets[i].parameters, 128e6);
    }
    if (i > 0) {
      EXPECT_LE(buckets[i].layer, buckets[i - 1].layer);  // reverse order of the forward
    }
  }
  EXPECT_NEAR(sum, held.parameters, 1e-12 * held.parameters);  // every parameter in exactly one bucket
  // A Llama-405B layer on one of 8 TP ranks holds about 3.2B / 8 = 400M parameters: several buckets a layer.
  EXPECT_GT(buckets.size(), 2 * p.plan.stages[3].layer_count);
  // A bucket larger than the stage is one bucket, ready with the stage's first layer.
  const std::vector<GradientBucket> one = gradient_buckets(p.plan, 3, p.at_full_sms, s.job.model, 1e13);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].layer, 0);
  EXPECT_NEAR(one[0].parameters, held.parameters, 1e-12 * held.parameters);
}

TEST(DataParallel, ZeroThreeGathersAndReducesEachLayerByHand) {
  // A layer of 1e9 dense and 2e8 expert parameters at ZeRO 3 on Llama's dp 128 (expert-data-parallel:
  // dp x tp / ep = 1024): its weights gathered as 2 GB (BF16) and 0.4 GB, its gradients reduce-scattered as
  // 4 GB (FP32) and 0.8 GB.
  models::LayerOps layer;
  layer.parameters = 1e9;
  layer.expert_parameters = 2e8;
  const UnitCollectives unit = unit_collectives(llama(3), layer);
  EXPECT_EQ(unit.gather[0].kind, hw::CollectiveKind::kAllGather);
  EXPECT_EQ(unit.reduce[1].kind, hw::CollectiveKind::kReduceScatter);
  EXPECT_DOUBLE_EQ(unit.gather[0].message_bytes, 2e9);
  EXPECT_DOUBLE_EQ(unit.gather[1].message_bytes, 4e8);
  EXPECT_DOUBLE_EQ(unit.reduce[0].message_bytes, 4e9);
  EXPECT_DOUBLE_EQ(unit.reduce[1].message_bytes, 8e8);
  EXPECT_EQ(unit.gather[0].ranks, 128);
  EXPECT_EQ(unit.gather[1].ranks, 1024);
}

TEST(DataParallel, ZeroThreePassPrefetchesOneLayerAhead) {
  // By hand, three layers of 1 s compute. Gathers of 0.5 s: only the first is exposed (3.5 s). Gathers of 2 s:
  // the NCCL stream sets the pace, 3 gathers then the last layer's compute (7 s).
  EXPECT_DOUBLE_EQ(unit_pass_s({1, 1, 1}, {0.5, 0.5, 0.5}, {}), 3.5);
  EXPECT_DOUBLE_EQ(unit_pass_s({1, 1, 1}, {2, 2, 2}, {}), 7.0);
  // Backward with 1 s reductions after each layer, on the same stream as the 0.5 s gathers: gather 0 ends at
  // 0.5; layer 0 runs 0.5-1.5 while gather 1 runs 0.5-1.0; reduce 0 1.5-2.5; layer 1 1.5-2.5; gather 2
  // 2.5-3.0; reduce 1 3.0-4.0; layer 2 3.0-4.0; reduce 2 4.0-5.0.
  EXPECT_DOUBLE_EQ(unit_pass_s({1, 1, 1}, {0.5, 0.5, 0.5}, {1, 1, 1}), 5.0);
}

TEST(DataParallel, ReplicasShareANodeWhereTheStrideLeavesRoom) {
  // Megatron's rank order, TP innermost then DP: with 8 GPUs a node, TP 8 puts one dense replica on a node,
  // TP 1 eight (the DeepSeek-V3 default: dp 128 over 16 nodes), TP 2 four; the expert replicas of DeepSeek-V3
  // (EP 64, expert-DP 2) sit 64 GPUs apart, one a node.
  const Scenario llama = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/llama-3.1-405b-16384xh100.yaml");
  EXPECT_EQ(replicas_per_node(llama, llama.layout.dp), 1);
  Scenario deepseek = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml");
  EXPECT_EQ(replicas_per_node(deepseek, deepseek.layout.dp), 8);
  EXPECT_EQ(replicas_per_node(deepseek, deepseek.layout.expert_data_parallel()), 1);
  EXPECT_EQ(zero_collectives(deepseek, 1e9, deepseek.layout.dp).before_optimizer.ranks_per_node, 8);
  deepseek.layout.tp = 2;
  deepseek.layout.dp = 64;
  EXPECT_EQ(replicas_per_node(deepseek, 64), 4);
  deepseek.layout.dp = 6;  // 6 replicas 2 apart: 4 fit a node but do not divide 6; 2 do
  EXPECT_EQ(replicas_per_node(deepseek, 6), 2);
}

TEST(DataParallel, OneReplicaMovesNothing) {
  const CommLoad load = dp_collective_load(llama(1), 1e9, 1);
  EXPECT_EQ(load.nic_s + load.latency_s, 0.0);
}

}  // namespace
}  // namespace trainsim::sim
