// The reduced model split into pipeline stages on in-process ranks (pipeline_stage.h, pipeline_parallel_step.h),
// run in the simulator's own schedules (sim/schedules: GPipe, 1F1B, 1F1B with paired F&B ops), against the
// single-device model (whose gradients model_gradient_test holds to finite differences).
#include "kernels/model/pipeline_parallel_step.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/model/thread_communicator.h"
#include "kernels/model/training_step.h"
#include "sim/schedules/linear_schedules.h"
#include "tests/kernels/model/model_test_util.h"

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

// A rank's ops of a simulator schedule: F and B as they are, an F&B pair as its forward then its backward (one
// device runs the two in turn; DualPipe's overlap of them is the simulator's to price).
std::vector<PipelineOp> ops_of(const sim::PipelineSchedule& schedule, int rank) {
  std::vector<PipelineOp> ops;
  for (const sim::ScheduleOp& op : schedule.ops(rank)) {
    switch (op.phase) {
      case sim::Phase::kForward:
        ops.push_back({PipelinePass::kForward, op.chunk.microbatch});
        break;
      case sim::Phase::kBackward:
        ops.push_back({PipelinePass::kBackward, op.chunk.microbatch});
        break;
      case sim::Phase::kForwardBackward:
        ops.push_back({PipelinePass::kForward, op.chunk.microbatch});
        ops.push_back({PipelinePass::kBackward, op.backward.microbatch});
        break;
      default:
        ADD_FAILURE() << "the model's backward is whole: no split backward (" << sim::phase_name(op.phase) << ")";
    }
  }
  return ops;
}

// The largest |stage - one device| over the tensors the stage holds, relative to the largest |one device| there.
double largest_relative_difference(const ModelWeights& stage, const ModelWeights& one_device) {
  double difference = 0, scale = 0;
  for_each_parameter(stage, one_device,
                     [&](const std::string&, int, const std::vector<double>& x, const std::vector<double>& y) {
                       if (x.empty()) return;
                       for (size_t i = 0; i < x.size(); ++i) {
                         difference = std::max(difference, std::abs(x[i] - y.at(i)));
                         scale = std::max(scale, std::abs(y[i]));
                       }
                     });
  return difference / scale;
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
    const PipelineParallelism group{&peers};
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
  int stages;
  sim::PipelineSchedule (*make)(int pp, int microbatches);
};

sim::PipelineSchedule one_f_one_b(int pp, int m) { return sim::one_f_one_b_schedule(pp, m); }
sim::PipelineSchedule one_f_one_b_paired(int pp, int m) { return sim::one_f_one_b_schedule(pp, m, true); }

class PipelineParallelStep : public ::testing::TestWithParam<ScheduleCase> {};

TEST_P(PipelineParallelStep, IsTheSingleDeviceStepOnTheMicroBatchesConcatenated) {
  constexpr int kMicroBatches = 4, kSteps = 2;
  constexpr double kBiasSpeed = 0.1;  // 100x DeepSeek-V3's, so that the biases move and change choices
  const ModelConfig c = four_layer_config();
  const int stages = GetParam().stages;
  const sim::PipelineSchedule schedule = GetParam().make(stages, kMicroBatches);
  std::vector<MicroBatch> micro_batches;
  for (int m = 0; m < kMicroBatches; ++m) micro_batches.push_back(micro_batch(m));

  // One device on the micro-batches as one batch (every micro-batch the same shape: the mean of their mean losses is
  // the batch's mean loss).
  std::vector<int> all_ids;
  for (const MicroBatch& mb : micro_batches) all_ids.insert(all_ids.end(), mb.ids.begin(), mb.ids.end());
  const VarlenBatch all = VarlenBatch::from_lengths({5, 4, 5, 4, 5, 4, 5, 4});
  ReducedDeepSeekV3 one_device(c, kSeed);
  AdamW one_optimizer(AdamWConfig{}, one_device.weights);
  std::vector<LossReport> expected;
  std::vector<ModelWeights> expected_grads;
  for (int step = 0; step < kSteps; ++step) {
    expected.push_back(training_step(one_device, one_optimizer, all_ids, all, kBiasSpeed));
    expected_grads.push_back(one_device.gradient_buffer());
  }

  std::vector<std::vector<LossReport>> reports(stages);
  std::vector<std::vector<ModelWeights>> grads(stages);
  std::vector<ReducedDeepSeekV3> models(stages, ReducedDeepSeekV3(c, kSeed));
  run_ranks_on_threads(stages, [&](Communicator& peers) {
    const int s = peers.rank();
    const PipelineParallelism group{&peers};
    ReducedDeepSeekV3& model = models[s];
    model.keep_stage(PipelineStage::of(c, stages, s));
    model.options.pipeline = &group;
    AdamW optimizer(AdamWConfig{}, model.weights);
    const std::vector<PipelineOp> ops = ops_of(schedule, s);
    for (int step = 0; step < kSteps; ++step) {
      reports[s].push_back(pipeline_parallel_training_step(model, optimizer, micro_batches, ops, kBiasSpeed));
      grads[s].push_back(model.gradient_buffer());
    }
    model.options.pipeline = nullptr;  // the group ends with this thread
  });

  for (int s = 0; s < stages; ++s) {
    for (int step = 0; step < kSteps; ++step) {
      // Means of the same terms summed in another order: 1e-13 relative is a few hundred ulps.
      EXPECT_NEAR(reports[s][step].total_loss, expected[step].total_loss, 1e-13 * expected[step].total_loss);
      EXPECT_NEAR(reports[s][step].mtp_loss, expected[step].mtp_loss, 1e-13 * expected[step].mtp_loss);
      // Gradients accumulated over the micro-batches and divided, against one GEMM over them all: the same
      // products in another order (1e-12 relative to the largest; a micro-batch dropped or counted twice is 25%).
      EXPECT_LT(largest_relative_difference(grads[s][step], expected_grads[step]), 1e-12)
          << "stage " << s << " step " << step;
    }
    // Loads summed over the micro-batches are the batch's: the biases move bit for bit.
    for (int b = 0; b < one_device.moe_block_count(); ++b)
      if (models[s].holds_moe_block(b)) {
        EXPECT_EQ(models[s].expert_bias[b], one_device.expert_bias[b]) << "stage " << s << " MoE block " << b;
      }
    // AdamW on FP32 master weights and BF16 moments: gradients that differ in their last bits change a stored value
    // only near a rounding boundary, by at most one BF16 ulp of a moment (an update of lr x 2^-7 = 8e-6): 1e-5
    // relative to the largest weight; a step on a wrong gradient moves weights by lr = 1e-3.
    EXPECT_LT(largest_relative_difference(models[s].weights, one_device.weights), 1e-5) << "stage " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, PipelineParallelStep,
                         ::testing::Values(ScheduleCase{"gpipe_2", 2, sim::gpipe_schedule},
                                           ScheduleCase{"one_f_one_b_2", 2, one_f_one_b},
                                           ScheduleCase{"one_f_one_b_4", 4, one_f_one_b},
                                           ScheduleCase{"one_f_one_b_paired_4", 4, one_f_one_b_paired}),
                         [](const ::testing::TestParamInfo<ScheduleCase>& param) {
                           return std::string(param.param.name);
                         });

TEST(PipelineParallelStep, AScheduleThatSkipsABackwardIsRefused) {
  const ModelConfig c = testing::tiny_config();
  ReducedDeepSeekV3 model(c, kSeed);
  AdamW optimizer(AdamWConfig{}, model.weights);
  const std::vector<MicroBatch> mbs = {micro_batch(0), micro_batch(1)};
  const std::vector<PipelineOp> ops = {
      {PipelinePass::kForward, 0}, {PipelinePass::kForward, 1}, {PipelinePass::kBackward, 1}};
  EXPECT_THROW(pipeline_parallel_training_step(model, optimizer, mbs, ops, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model
