// The sequence-wise balance loss against hand values (equal scores give exactly alpha, whatever the selection;
// one sequence's imbalance by formula) and its gradient against central differences (gradient_check.h).
#include "kernels/model/sequence_balance_loss.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/moe/router_ref.h"
#include "tests/kernels/gradient_check.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

TEST(SequenceBalanceLoss, EqualScoresGiveAlpha) {
  // s' = 1/N_r for every expert, so sum_i f_i P_i = (1/N_r) sum_i f_i = (1/N_r) N_r = 1.
  const RoutingRule rule = testing::tiny_config().routing_rule();
  const VarlenBatch batch = VarlenBatch::from_lengths({3, 2});
  const std::vector<double> logits(5 * 8, 0.3);
  const std::vector<int> ids{0, 1, 0, 1, 0, 1, 5, 6, 2, 7};  // any selection
  const BalanceLoss b = sequence_balance_loss(rule, batch, logits, ids, 0.01);
  EXPECT_NEAR(b.loss, 0.01, 1e-17);
}

TEST(SequenceBalanceLoss, OneSequenceByHand) {
  // 2 experts, top-1, one sequence of 2 tokens both sent to expert 0: f = (2/(1*2)) (2, 0) = (2, 0);
  // logits 0 and log 3 make s = (1/2, 3/4) -> s' = (2/5, 3/5) on both tokens: P = (0.4, 0.6); L = 2 x 0.4 = 0.8.
  const RoutingRule rule{2, 1, 1, 1, RouterScoring::kSigmoid, true, 1.0};
  const std::vector<double> logits{0.0, std::log(3.0), 0.0, std::log(3.0)};
  const BalanceLoss b = sequence_balance_loss(rule, VarlenBatch::uniform(1, 2), logits, std::vector<int>{0, 0}, 1.0);
  EXPECT_NEAR(b.loss, 0.8, 1e-15);
}

TEST(SequenceBalanceLoss, GradientMatchesFiniteDifferences) {
  const RoutingRule rule = testing::tiny_config().routing_rule();
  const VarlenBatch batch = VarlenBatch::from_lengths({4, 3});
  std::vector<double> logits = testing::random_doubles(7 * 8, 3);
  std::vector<int> ids(7 * 2);
  std::vector<double> gates(ids.size());
  router_ref(rule, logits, {}, ids, gates);
  const BalanceLoss b = sequence_balance_loss(rule, batch, logits, ids, 1.0);
  // The selection is an input here (f counts it), so the loss is smooth in the logits.
  const auto loss = [&] { return sequence_balance_loss(rule, batch, logits, ids, 1.0).loss; };
  testing::expect_gradient("balance logits", testing::check_entries(logits, b.d_logits, loss));
}

}  // namespace
}  // namespace trainsim::kernels::model
