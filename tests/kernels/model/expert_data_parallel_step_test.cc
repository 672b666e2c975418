// The whole model on ranks (in-process threads): its MoE blocks expert parallel (RunOptions::expert_parallelism),
// the step data parallel over the same ranks (expert_data_parallel_step.h), against the single-device model, whose
// gradients model_gradient_test holds to finite differences. What each comparison expects, and why it is exact or
// not, is the two headers' account; the tolerances below say what rounding they allow.
#include "kernels/model/expert_data_parallel_step.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/model/thread_communicator.h"
#include "kernels/model/training_step.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

constexpr unsigned long long kSeed = 5;

// Rank r's tokens: the test batch's two sequences (5 and 4 tokens) of ids drawn from the tiny vocabulary (32).
std::vector<int> ids_of_rank(int rank) {
  std::vector<int> ids;
  for (int i = 0; i < testing::test_batch().total_tokens(); ++i) ids.push_back((7 * i + 11 * rank + 3) % 32);
  return ids;
}

class ExpertParallelModel : public ::testing::TestWithParam<int> {};

TEST_P(ExpertParallelModel, EachRankComputesWhatOneDeviceComputesOnItsTokens) {
  const int ranks = GetParam();
  const ModelConfig config = testing::tiny_config();  // a dense layer, a MoE layer, an MTP depth with a MoE block
  const ExpertPlacement placement = ExpertPlacement::contiguous(config.n_routed_experts, ranks);

  // One device on each rank's tokens; its experts' gradients summed over the ranks in rank order.
  std::vector<LossReport> alone(ranks);
  std::vector<ModelWeights> grads_alone;
  std::vector<std::vector<int>> ids_chosen_alone(ranks);
  for (int r = 0; r < ranks; ++r) {
    ReducedDeepSeekV3 model(config, kSeed);
    alone[r] = model.forward(ids_of_rank(r), testing::test_batch());
    grads_alone.push_back(model.backward());
    ids_chosen_alone[r] = model.last_expert_ids(0);
  }

  std::vector<LossReport> reports(ranks);
  std::vector<ModelWeights> grads(ranks);
  std::vector<std::vector<int>> ids_chosen(ranks);
  run_ranks_on_threads(ranks, [&](Communicator& c) {
    const int r = c.rank();
    const ExpertParallelism group{&c, placement};
    ReducedDeepSeekV3 model(config, kSeed);
    model.keep_own_experts(placement, r);
    model.options.expert_parallelism = &group;
    reports[r] = model.forward(ids_of_rank(r), testing::test_batch());
    grads[r] = model.backward();
    ids_chosen[r] = model.last_expert_ids(0);
  });

  for (int r = 0; r < ranks; ++r) {
    EXPECT_EQ(reports[r].total_loss, alone[r].total_loss) << "rank " << r;
    EXPECT_EQ(reports[r].mtp_loss, alone[r].mtp_loss) << "rank " << r;
    EXPECT_EQ(reports[r].balance_loss, alone[r].balance_loss) << "rank " << r;
    EXPECT_EQ(ids_chosen[r], ids_chosen_alone[r]) << "rank " << r;
    for_each_parameter(
        grads[r], grads_alone[r],
        [&](const std::string& name, int, const std::vector<double>& g, const std::vector<double>& g_alone) {
          if (!is_routed_expert(name)) {
            EXPECT_EQ(g, g_alone) << "rank " << r << " " << name;  // the rank's own tokens, the same ops
            return;
          }
          const int expert = std::stoi(name.substr(name.find(".moe.experts.") + 13));
          if (placement.owner(expert) != r) {
            EXPECT_TRUE(g.empty()) << "rank " << r << " holds another's " << name;
            return;
          }
          // Every rank's rows in one GEMM against the ranks' GEMMs summed: the same products added in another order,
          // so within a few ulps of the largest (1e-13 relative; a rank's rows missing would be off by order 1).
          std::vector<double> summed(g.size(), 0);
          double scale = 0;
          for (int s = 0; s < ranks; ++s)
            for_each_parameter(
                grads_alone[s], grads_alone[s],
                [&](const std::string& n, int, const std::vector<double>& t, const std::vector<double>&) {
                  if (n != name) return;
                  for (size_t i = 0; i < t.size(); ++i) summed[i] += t[i];
                });
          for (double v : summed) scale = std::max(scale, std::abs(v));
          ASSERT_EQ(g.size(), summed.size()) << name;
          for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], summed[i], 1e-13 * scale) << name << " " << i;
        });
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, ExpertParallelModel, ::testing::Values(2, 4));

TEST(ExpertDataParallelStep, IsTheSingleDeviceStepOnTheRanksBatchesConcatenated) {
  constexpr int kRanks = 2, kSteps = 3;
  // A bias speed 100x DeepSeek-V3's, so that three steps move the biases by 0.3: enough to change choices.
  constexpr double kBiasSpeed = 0.1;
  const ModelConfig config = testing::tiny_config();
  const ExpertPlacement placement = ExpertPlacement::contiguous(config.n_routed_experts, kRanks);
  const AdamWConfig adamw;

  // One device, the two ranks' sequences in one batch (every rank the same shape: the mean of the ranks' mean
  // losses is the batch's mean loss).
  std::vector<int> all_ids;
  for (int r = 0; r < kRanks; ++r) {
    const std::vector<int> ids = ids_of_rank(r);
    all_ids.insert(all_ids.end(), ids.begin(), ids.end());
  }
  const VarlenBatch all_batch = VarlenBatch::from_lengths({5, 4, 5, 4});
  ReducedDeepSeekV3 one_device(config, kSeed);
  AdamW one_optimizer(adamw, one_device.weights);
  std::vector<LossReport> one_reports;
  std::vector<ModelWeights> one_grads;
  for (int step = 0; step < kSteps; ++step) {
    one_reports.push_back(training_step(one_device, one_optimizer, all_ids, all_batch, kBiasSpeed));
    one_grads.push_back(one_device.gradient_buffer());
  }

  std::vector<std::vector<LossReport>> reports(kRanks);
  std::vector<std::vector<ModelWeights>> grads(kRanks);
  std::vector<ModelWeights> weights(kRanks);
  std::vector<std::vector<std::vector<double>>> biases(kRanks);
  run_ranks_on_threads(kRanks, [&](Communicator& c) {
    const int r = c.rank();
    const ExpertParallelism group{&c, placement};
    ReducedDeepSeekV3 model(config, kSeed);
    model.keep_own_experts(placement, r);
    model.options.expert_parallelism = &group;
    AdamW optimizer(adamw, model.weights);
    for (int step = 0; step < kSteps; ++step) {
      reports[r].push_back(
          expert_data_parallel_training_step(model, optimizer, ids_of_rank(r), testing::test_batch(), kBiasSpeed));
      grads[r].push_back(model.gradient_buffer());
    }
    weights[r] = model.weights;
    biases[r] = model.expert_bias;
  });

  for (int r = 0; r < kRanks; ++r) {
    for (int step = 0; step < kSteps; ++step) {
      // Means of the same terms summed in another order: 1e-13 relative is a few hundred ulps.
      EXPECT_NEAR(reports[r][step].total_loss, one_reports[step].total_loss, 1e-13 * one_reports[step].total_loss);
      EXPECT_NEAR(reports[r][step].balance_loss, one_reports[step].balance_loss,
                  1e-13 * one_reports[step].balance_loss);
      // The group's mean gradients against one device's: sums of the same products in another order (1e-12
      // relative to each selection's largest; a gradient left unaveraged would be off by 100%).
      EXPECT_LT(largest_relative_difference(grads[r][step], one_grads[step]), 1e-12)
          << "rank " << r << " step " << step;
    }
    // The loads summed over the ranks are the batch's: the same bias moves, bit for bit (integer loads).
    EXPECT_EQ(biases[r], one_device.expert_bias) << "rank " << r;
    // AdamW on FP32 master weights and BF16 moments: a gradient that differs in its last bits changes a stored
    // value only where it lies within that difference of a rounding boundary (a chance of about 1e-8 an element
    // here), and then by one FP32 ulp of the weight (6e-8 relative) or one BF16 ulp of a moment (an update of
    // lr x 2^-7 = 8e-6 at most): 1e-5 relative to the largest weight bounds both; a step on the wrong gradient
    // or tensor moves a weight by lr = 1e-3.
    EXPECT_LT(largest_relative_difference(weights[r], one_device.weights), 1e-5) << "rank " << r;
  }
  // The step moved the biases (the comparison above is not of zeros).
  double moved = 0;
  for (const std::vector<double>& block : one_device.expert_bias)
    for (double b : block) moved = std::max(moved, std::abs(b));
  EXPECT_NEAR(moved, kSteps * kBiasSpeed, 1e-12);
}

}  // namespace
}  // namespace trainsim::kernels::model
