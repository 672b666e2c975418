// The aux-loss-free bias update against its laws: the sign rule, exact balance left alone; the bias moves the
// selection but never the gates, and every token still gets top_k experts (tokens x top_k assignments conserved);
// repeated updates shrink the imbalance of a skewed router.
#include "kernels/model/expert_bias_update.h"

#include <gtest/gtest.h>

#include "kernels/moe/expert_loads.h"
#include "kernels/moe/router_ref.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

TEST(ExpertBiasUpdate, OverloadedExpertsGoDownUnderloadedUpBalancedStay) {
  const std::vector<int64_t> loads{10, 2, 6, 6};  // mean 6
  std::vector<double> bias{0.5, 0.5, 0.5, -0.25};
  update_expert_bias(loads, 0.001, bias);
  EXPECT_DOUBLE_EQ(bias[0], 0.499);
  EXPECT_DOUBLE_EQ(bias[1], 0.501);
  EXPECT_EQ(bias[2], 0.5);
  EXPECT_EQ(bias[3], -0.25);
  EXPECT_THROW(update_expert_bias(loads, 0.001, std::span<double>(bias).first(3)), std::invalid_argument);
}

// A router whose logits favour the low experts: a fixed offset per expert plus token noise.
std::vector<double> skewed_logits(const RoutingRule& rule, int tokens) {
  std::vector<double> logits = testing::random_doubles(size_t(tokens) * rule.num_experts, 5, 0.5f);
  for (int t = 0; t < tokens; ++t)
    for (int e = 0; e < rule.num_experts; ++e) logits[size_t(t) * rule.num_experts + e] += 1.0 - 0.1 * e;
  return logits;
}

TEST(ExpertBiasUpdate, BiasMovesSelectionNeverGatesAndConservesAssignments) {
  const RoutingRule rule = testing::tiny_config().routing_rule();
  const int tokens = 256;
  const std::vector<double> logits = skewed_logits(rule, tokens);
  std::vector<double> bias(rule.num_experts, 0.0);
  std::vector<int> ids(size_t(tokens) * rule.top_k);
  std::vector<double> gates(ids.size());
  router_ref(rule, logits, bias, ids, gates);
  const double vio_before = max_vio(loads_from_ids(ids, rule.num_experts));
  for (int step = 0; step < 300; ++step) {
    update_expert_bias(loads_from_ids(ids, rule.num_experts), 0.01, bias);
    router_ref(rule, logits, bias, ids, gates);
    int64_t assigned = 0;
    for (int64_t load : loads_from_ids(ids, rule.num_experts)) assigned += load;
    ASSERT_EQ(assigned, int64_t(tokens) * rule.top_k);  // every token keeps top_k experts
  }
  const double vio_after = max_vio(loads_from_ids(ids, rule.num_experts));
  EXPECT_LT(vio_after, vio_before / 2) << vio_before << " -> " << vio_after;
  // Gates of the selected experts are the bias-free rule: sigmoid scores normalized and scaled (routing_rule.h).
  for (int t = 0; t < tokens; ++t) {
    std::vector<double> no_bias_gates(rule.top_k);
    gate_weights(rule, &logits[size_t(t) * rule.num_experts], &ids[size_t(t) * rule.top_k], no_bias_gates.data());
    for (int i = 0; i < rule.top_k; ++i) ASSERT_EQ(gates[size_t(t) * rule.top_k + i], no_bias_gates[i]);
  }
}

}  // namespace
}  // namespace trainsim::kernels::model
