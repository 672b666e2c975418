// The reduced model split into pipeline stages on in-process ranks (pipeline_stage.h, pipeline_parallel_step.h),
// run in the simulator's own schedules (sim/schedules: GPipe, 1F1B, paired 1F1B, ZB1P, interleaved, DualPipe,
// DualPipeV), alone and in a grid with expert parallelism (expert_parallel_moe.h), against the single-device model
// (whose gradients model_gradient_test holds to finite differences).
#include "kernels/model/pipeline_parallel_step.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "kernels/model/thread_communicator.h"
#include "kernels/model/training_step.h"
#include "sim/schedules/dualpipe_schedule.h"
#include "sim/schedules/interleaved_schedule.h"
#include "sim/schedules/linear_schedules.h"
#include "tests/kernels/model/model_test_util.h"
#include "tests/kernels/model/schedule_plans.h"

namespace trainsim::kernels::model {
namespace {

constexpr unsigned long long kSeed = 5;

// The tiny config with four layers (a dense one, three MoE), so that four stages hold a layer each.
ModelConfig four_layer_config() {
  ModelConfig c = testing::tiny_config();
  c.num_hidden_layers = 4;
  return c;
}

// Micro-batch m: the test batch's two sequences (5 and 4 tokens) of ids from the tiny vocabulary (32).
MicroBatch micro_batch(int m) {
  MicroBatch mb{{}, testing::test_batch()};
  for (int i = 0; i < mb.batch.total_tokens(); ++i) mb.ids.push_back((5 * i + 13 * m + 1) % 32);
  return mb;
}

TEST(PipelineStage, SplitsTheLayersIntoContiguousRunsTheFirstStagesALayerMore) {
  ModelConfig c = testing::tiny_config();
  c.num_hidden_layers = 7;  // 7 over 3 stages: 3, 2, 2
  const PipelineStage s0 = PipelineStage::of(c, 3, 0), s1 = PipelineStage::of(c, 3, 1), s2 = PipelineStage::of(c, 3, 2);
  EXPECT_EQ(s0.first_layer, 0);
  EXPECT_EQ(s0.end_layer, 3);
  EXPECT_EQ(s1.first_layer, 3);
  EXPECT_EQ(s1.end_layer, 5);
  EXPECT_EQ(s2.first_layer, 5);
  EXPECT_EQ(s2.end_layer, 7);
  EXPECT_TRUE(s0.holds_embedding() && !s0.holds_head() && s2.holds_head() && !s1.holds_embedding());
  EXPECT_THROW(PipelineStage::of(c, 8, 0), std::invalid_argument);  // a stage without a layer
  EXPECT_THROW(PipelineStage::of(c, 3, 3), std::invalid_argument);
}

TEST(PipelineStage, EachStageComputesWhatOneDeviceComputesForItsLayers) {
  const ModelConfig c = four_layer_config();
  const MicroBatch mb = micro_batch(0);
  ReducedDeepSeekV3 one_device(c, kSeed);
  const LossReport expected = one_device.forward(mb.ids, mb.batch);
  const ModelWeights expected_grads = one_device.backward();

  constexpr int kStages = 4;
  std::vector<LossReport> reports(kStages);
  std::vector<ModelWeights> grads(kStages);
  run_ranks_on_threads(kStages, [&](Communicator& peers) {
    const PipelineParallelism group{&peers, {}};
    ReducedDeepSeekV3 model(c, kSeed);
    model.keep_stage(PipelineStage::of(c, kStages, peers.rank()));
    model.options.pipeline = &group;
    reports[peers.rank()] = model.forward(mb.ids, mb.batch);
    grads[peers.rank()] = model.backward();
  });
  // The cross-entropies on the last stage, bit for bit (the same ops on the same activations); the balance losses
  // on the stages of their MoE blocks (1 to 3 and the MTP module's on 3), summed in the model's order.
  EXPECT_EQ(reports[kStages - 1].main_loss, expected.main_loss);
  EXPECT_EQ(reports[kStages - 1].mtp_loss, expected.mtp_loss);
  EXPECT_EQ(reports[0].balance_loss, 0.0);  // the dense layer's stage
  EXPECT_GT(reports[1].balance_loss, 0.0);
  double balance = 0, total = 0;
  for (const LossReport& r : reports) {
    balance += r.balance_loss;
    total += r.total_loss;
  }
  EXPECT_NEAR(balance, expected.balance_loss, 1e-15 * expected.balance_loss);
  EXPECT_NEAR(total, expected.total_loss, 1e-15 * expected.total_loss);
  for (int s = 0; s < kStages; ++s) {
    EXPECT_EQ(grads[s].layers[s].mla.w_dq, expected_grads.layers[s].mla.w_dq) << "stage " << s;
    EXPECT_EQ(grads[s].layers[s].attn_norm, expected_grads.layers[s].attn_norm) << "stage " << s;
    for (int l = 0; l < c.num_hidden_layers; ++l)
      if (l != s) {
        EXPECT_TRUE(grads[s].layers[l].mla.w_dq.empty()) << "stage " << s << " holds layer " << l;
      }
  }
  EXPECT_EQ(grads[kStages - 1].head, expected_grads.head);
  EXPECT_EQ(grads[kStages - 1].mtp[0].proj, expected_grads.mtp[0].proj);
  EXPECT_TRUE(grads[1].embed.empty() && grads[1].head.empty());
  // The embedding's gradient is split: the main model's lookup on the first stage, the MTP module's on the last.
  // Summed, one device's, up to the order of two additions per entry (1e-15 relative).
  for (size_t i = 0; i < expected_grads.embed.size(); ++i)
    EXPECT_NEAR(grads[0].embed[i] + grads[kStages - 1].embed[i], expected_grads.embed[i], 1e-15) << i;
}

struct ScheduleCase {
  const char* name;
  sim::PipelineSchedule (*make)();
  int expert_ranks;  // 1: the pipeline alone; more: a grid of pipelines, each stage's ranks expert and data parallel
};

class PipelineParallelStep : public ::testing::TestWithParam<ScheduleCase> {};

TEST_P(PipelineParallelStep, IsTheSingleDeviceStepOnTheMicroBatchesConcatenated) {
  constexpr int kSteps = 2;
  constexpr double kBiasSpeed = 0.1;  // 100x DeepSeek-V3's, so that the biases move and change choices
  const ModelConfig c = four_layer_config();
  const sim::PipelineSchedule schedule = GetParam().make();
  const PipelinePlan plan = testing::plan_of(schedule);
  const int pipeline_ranks = schedule.ranks(), lanes = schedule.lanes(), stages = schedule.stages();
  const int expert_ranks = GetParam().expert_ranks, ranks = pipeline_ranks * expert_ranks;
  const int micro_batches_per_shard = schedule.microbatches();
  const ExpertPlacement placement = ExpertPlacement::contiguous(c.n_routed_experts, expert_ranks);
  // Each data-parallel shard (an expert rank's pipeline) its own micro-batches.
  std::vector<std::vector<MicroBatch>> shards(expert_ranks);
  for (int e = 0; e < expert_ranks; ++e)
    for (int m = 0; m < micro_batches_per_shard; ++m) shards[e].push_back(micro_batch(e * micro_batches_per_shard + m));

  // One device on every shard's micro-batches as one batch (every micro-batch the same shape: the mean of their mean
  // losses is the batch's mean loss).
  std::vector<int> all_ids;
  std::vector<int> lengths;
  for (const std::vector<MicroBatch>& shard : shards)
    for (const MicroBatch& mb : shard) {
      all_ids.insert(all_ids.end(), mb.ids.begin(), mb.ids.end());
      lengths.insert(lengths.end(), {5, 4});
    }
  const VarlenBatch all = VarlenBatch::from_lengths(lengths);
  ReducedDeepSeekV3 one_device(c, kSeed);
  AdamW one_optimizer(AdamWConfig{}, one_device.weights);
  std::vector<LossReport> expected;
  std::vector<ModelWeights> expected_grads;
  for (int step = 0; step < kSteps; ++step) {
    expected.push_back(training_step(one_device, one_optimizer, all_ids, all, kBiasSpeed));
    expected_grads.push_back(one_device.gradient_buffer());
  }

  std::vector<std::vector<LossReport>> reports(ranks);
  std::vector<std::vector<std::vector<ModelWeights>>> grads(ranks);  // [rank][step][lane]
  std::vector<std::vector<ReducedDeepSeekV3>> models(ranks);         // [rank][lane]
  run_ranks_on_threads(
      ranks,
      [&](Communicator& world) {
        const int w = world.rank(), r = w / expert_ranks, e = w % expert_ranks;
        // The grid: a pipeline of the ranks with the same expert rank, an expert-parallel group of those with the same
        // pipeline rank (DeepSeek-V3's PP x EP).
        const std::unique_ptr<Communicator> pipeline_peers = world.split(e, r);
        const std::unique_ptr<Communicator> expert_peers = world.split(r, e);
        const std::vector<PipelineParallelism> pipelines = testing::pipelines_of(schedule, *pipeline_peers);
        const ExpertParallelism expert_group{expert_peers.get(), placement};
        std::vector<ReducedDeepSeekV3>& lane_models = models[w];
        lane_models.assign(lanes, ReducedDeepSeekV3(c, kSeed));
        std::vector<AdamW> optimizers;
        for (int l = 0; l < lanes; ++l) {
          lane_models[l].keep_stage(PipelineStage::of(c, stages, schedule.stage_of(sim::Slot{r, l})));
          lane_models[l].options.pipeline = &pipelines[schedule.direction_of(l)];
          if (expert_ranks > 1) {
            lane_models[l].keep_own_experts(placement, e);
            lane_models[l].options.expert_parallelism = &expert_group;
          }
          optimizers.emplace_back(AdamWConfig{}, lane_models[l].weights);
        }
        std::vector<PipelineLane> rank_lanes;
        for (int l = 0; l < lanes; ++l) rank_lanes.push_back({&lane_models[l], &optimizers[l]});
        const StageCopies copies = schedule.directions() == 2 ? StageCopies::kTwoDirections : StageCopies::kOne;
        for (int step = 0; step < kSteps; ++step) {
          reports[w].push_back(pipeline_parallel_training_step(rank_lanes, copies, shards[e], plan, kBiasSpeed,
                                                               expert_ranks > 1 ? &expert_group : nullptr));
          grads[w].emplace_back();
          for (ReducedDeepSeekV3& model : lane_models) grads[w].back().push_back(model.gradient_buffer());
        }
        for (ReducedDeepSeekV3& model : lane_models) model.options = RunOptions{};  // the groups end with the thread
      },
      // NCCL's sends, which complete only when received: the step's rounds keep every schedule from hanging.
      SendCompletion::kRendezvous);

  for (int w = 0; w < ranks; ++w) {
    for (int step = 0; step < kSteps; ++step) {
      // Means of the same terms summed in another order: 1e-13 relative is a few hundred ulps.
      EXPECT_NEAR(reports[w][step].total_loss, expected[step].total_loss, 1e-13 * expected[step].total_loss);
      EXPECT_NEAR(reports[w][step].mtp_loss, expected[step].mtp_loss, 1e-13 * expected[step].mtp_loss);
      EXPECT_NEAR(reports[w][step].balance_loss, expected[step].balance_loss, 1e-13 * expected[step].balance_loss);
      // Gradients accumulated over the micro-batches (DualPipe's two copies, the data-parallel shards) and divided,
      // against one GEMM over them all: the same products in another order (1e-12 relative to the largest; a
      // micro-batch dropped or counted twice is off by 1/8 or more here).
      for (int l = 0; l < lanes; ++l)
        EXPECT_LT(largest_relative_difference(grads[w][step][l], expected_grads[step]), 1e-12)
            << "rank " << w << " lane " << l << " step " << step;
    }
    for (const ReducedDeepSeekV3& model : models[w]) {
      // Loads summed over the micro-batches are the batch's: the biases move bit for bit.
      for (int b = 0; b < one_device.moe_block_count(); ++b) {
        if (model.holds_moe_block(b)) {
          EXPECT_EQ(model.expert_bias[b], one_device.expert_bias[b]) << "rank " << w << " MoE block " << b;
        }
      }
      // AdamW on FP32 master weights and BF16 moments: gradients that differ in their last bits change a stored
      // value only near a rounding boundary, by at most one BF16 ulp of a moment (an update of lr x 2^-7 = 8e-6):
      // 1e-5 relative to the largest weight; a step on a wrong gradient moves weights by lr = 1e-3.
      EXPECT_LT(largest_relative_difference(model.weights, one_device.weights), 1e-5) << "rank " << w;
    }
  }
}

sim::PipelineSchedule gpipe_2() { return sim::gpipe_schedule(2, 4); }
sim::PipelineSchedule one_f_one_b_2() { return sim::one_f_one_b_schedule(2, 4); }
sim::PipelineSchedule one_f_one_b_4() { return sim::one_f_one_b_schedule(4, 4); }
sim::PipelineSchedule one_f_one_b_paired_4() { return sim::one_f_one_b_schedule(4, 4, true); }
sim::PipelineSchedule zb1p_4() { return sim::zb1p_schedule(4, 4); }
sim::PipelineSchedule interleaved_2x2() { return sim::interleaved_schedule(2, 4, 2); }
sim::PipelineSchedule dualpipe_2() { return sim::dualpipe_schedule(2, 4); }
sim::PipelineSchedule dualpipe_4() { return sim::dualpipe_schedule(4, 8); }
sim::PipelineSchedule dualpipev_4() { return sim::dualpipev_schedule(4, 4); }

INSTANTIATE_TEST_SUITE_P(
    Schedules, PipelineParallelStep,
    ::testing::Values(ScheduleCase{"gpipe_2", gpipe_2, 1}, ScheduleCase{"one_f_one_b_2", one_f_one_b_2, 1},
                      ScheduleCase{"one_f_one_b_4", one_f_one_b_4, 1},
                      ScheduleCase{"one_f_one_b_paired_4", one_f_one_b_paired_4, 1}, ScheduleCase{"zb1p_4", zb1p_4, 1},
                      ScheduleCase{"interleaved_2x2", interleaved_2x2, 1}, ScheduleCase{"dualpipe_2", dualpipe_2, 1},
                      ScheduleCase{"dualpipe_4", dualpipe_4, 1}, ScheduleCase{"dualpipev_4", dualpipev_4, 1},
                      // The grid, DeepSeek-V3's layout in small: PP x EP, each stage's ranks also data parallel.
                      ScheduleCase{"one_f_one_b_2_by_ep_4", one_f_one_b_2, 4},
                      ScheduleCase{"dualpipe_2_by_ep_2", dualpipe_2, 2},
                      ScheduleCase{"dualpipev_4_by_ep_2", dualpipev_4, 2}),
    [](const ::testing::TestParamInfo<ScheduleCase>& param) { return std::string(param.param.name); });

TEST(PipelineParallelStep, AScheduleThatSkipsABackwardOrItsWeightGradientsIsRefused) {
  const ModelConfig c = testing::tiny_config();
  ReducedDeepSeekV3 model(c, kSeed);
  AdamW optimizer(AdamWConfig{}, model.weights);
  const std::vector<MicroBatch> mbs = {micro_batch(0), micro_batch(1)};
  const std::vector<PipelineOp> ops = {
      {PipelinePass::kForward, 0}, {PipelinePass::kForward, 1}, {PipelinePass::kBackward, 1}};
  EXPECT_THROW(pipeline_parallel_training_step(model, optimizer, mbs, ops, 0.0), std::invalid_argument);
  const PipelineOp unfinished[] = {{PipelinePass::kForward, 0}, {PipelinePass::kBackwardInput, 0}};  // no W
  EXPECT_THROW(pipeline_parallel_training_step(model, optimizer, std::span(mbs).first(1), unfinished, 0.0),
               std::invalid_argument);
  const PipelineOp early[] = {{PipelinePass::kForward, 0}, {PipelinePass::kBackwardWeight, 0}};  // W before Bi
  EXPECT_THROW(pipeline_parallel_training_step(model, optimizer, std::span(mbs).first(1), early, 0.0),
               std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model
