// A step's routing for one EP group: every MoE layer by default, each (layer, micro-batch) the same alone as
// among the others (they route in parallel), replayed counts steering the loads, and the step's MaxVio over its
// micro-batches against each micro-batch's.
#include "models/routed_step.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "models/model_presets.h"

namespace trainsim::models {
namespace {

TEST(RoutedStep, EveryMoeLayerByDefault) {
  const ModelConfig v3 = load_preset("deepseek-v3");
  EXPECT_EQ(moe_layer_indices(v3).size(), 58u);  // 61 layers, the first 3 dense
  EXPECT_EQ(moe_layer_indices(v3).front(), 3);
  RoutedStepRequest request;
  request.model = &v3;
  request.group = {64, 8};
  request.tokens_per_rank = 16;
  const RoutedStep balanced = route_step(request);
  ASSERT_EQ(balanced.load.microbatches.size(), 1u);
  EXPECT_EQ(balanced.load.microbatches[0].size(), 58u);
  EXPECT_EQ(balanced.load.microbatches[0].back().layer, 60);
  EXPECT_TRUE(balanced.stats.empty());
  EXPECT_EQ(balanced.load.top_k, 8);
}

TEST(RoutedStep, EachLayerAndMicroBatchRoutesAlikeAloneOrAmongOthers) {
  // Layers and micro-batches are routed in parallel threads: each must draw from streams of its own, so routing
  // it alone (one task, no other thread) gives the same bytes as routing it among all the others.
  const ModelConfig v3 = load_preset("deepseek-v3");
  RoutedStepRequest request;
  request.model = &v3;
  request.spec.source = RoutingSource::kSynthetic;
  request.spec.pool_tokens = 256;  // pooled: 64 x 8 = 512 tokens a micro-batch
  request.spec.microbatch_correlation = 0.5;
  request.group = {64, 8};
  request.tokens_per_rank = 8;
  request.microbatches = 3;
  request.layers = {3, 4, 30, 60};
  const RoutedStep all = route_step(request);
  for (size_t i = 0; i < request.layers.size(); ++i) {
    RoutedStepRequest one = request;
    one.layers = {request.layers[i]};
    const RoutedStep alone = route_step(one);
    for (size_t m = 0; m < 3; ++m) {
      EXPECT_EQ(alone.load.microbatches[m][0].rows_per_rank, all.load.microbatches[m][i].rows_per_rank);
      EXPECT_EQ(alone.load.microbatches[m][0].dispatch.nic_bytes, all.load.microbatches[m][i].dispatch.nic_bytes);
      EXPECT_EQ(alone.load.microbatches[m][0].combine.nvlink_bytes, all.load.microbatches[m][i].combine.nvlink_bytes);
      EXPECT_EQ(alone.stats[m][0].tokens_per_expert, all.stats[m][i].tokens_per_expert);
    }
    EXPECT_EQ(alone.max_vio_step[0], all.max_vio_step[i]);
  }
  EXPECT_NE(all.load.microbatches[0][0].rows_per_rank, all.load.microbatches[1][0].rows_per_rank);
}

TEST(RoutedStep, ReplayedCountsSteerTheLoads) {
  // Expert 37 takes 10x the tokens of every other expert in the file: it is the routed maximum.
  const ModelConfig v3 = load_preset("deepseek-v3");
  RoutingReplay replay{"loads.csv", 256, {0}, {}};
  std::vector<int64_t> counts(256, 100);
  counts[37] = 1000;
  replay.counts[{0, 3}] = counts;
  RoutedStepRequest request;
  request.model = &v3;
  request.spec.source = RoutingSource::kReplay;
  request.replay = &replay;
  request.group = {64, 8};
  request.tokens_per_rank = 32;
  request.layers = {3};
  const RoutedStep step = route_step(request);
  const std::vector<int64_t>& tokens = step.stats[0][0].tokens_per_expert;
  EXPECT_EQ(std::max_element(tokens.begin(), tokens.end()) - tokens.begin(), 37);
}

TEST(RoutedStep, StepMaxVioPoolsItsMicroBatches) {
  // Independent micro-batches (correlation 0): each is skewed its own way, their sum less so.
  const ModelConfig v3 = load_preset("deepseek-v3");
  RoutedStepRequest request;
  request.model = &v3;
  request.spec.source = RoutingSource::kSynthetic;
  request.spec.zipf_exponent = 0.5;
  request.spec.microbatch_correlation = 0;
  request.group = {64, 8};
  request.tokens_per_rank = 32;
  request.microbatches = 4;
  request.layers = {3};
  const RoutedStep step = route_step(request);
  ASSERT_EQ(step.stats.size(), 4u);
  ASSERT_EQ(step.max_vio_step.size(), 1u);
  double least_batch = 1e9;
  for (const auto& micro : step.stats) least_batch = std::min(least_batch, micro[0].max_vio);
  EXPECT_LT(step.max_vio_step[0], least_batch);
}

}  // namespace
}  // namespace trainsim::models
