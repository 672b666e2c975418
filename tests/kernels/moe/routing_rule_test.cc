// The routing rule (both selections: the device's and the host's one pass) against a plain, independently
// written sort-based selection, on random scores with many exact ties; gates against their formulas; every
// rule-validation message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/moe/router_ref.h"
#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels {
namespace {

// Sort-based reference: keys, groups scored by the sum of their two best keys, groups sorted, experts sorted.
std::vector<int> sort_reference(const RoutingRule& rule, const std::vector<double>& logits,
                                const std::vector<double>& bias) {
  const int n = rule.num_experts, gs = n / rule.num_groups;
  std::vector<double> key(n);
  for (int e = 0; e < n; ++e) {
    const double base = rule.scoring == RouterScoring::kSigmoid ? 1.0 / (1.0 + std::exp(-logits[e])) : logits[e];
    key[e] = bias.empty() ? base : base + bias[e];
  }
  auto by_key = [](const std::vector<double>& k) {
    return [&k](int a, int b) { return k[a] > k[b] || (k[a] == k[b] && a < b); };
  };
  std::vector<double> group_score(rule.num_groups);
  for (int g = 0; g < rule.num_groups; ++g) {
    std::vector<double> members(key.begin() + g * gs, key.begin() + (g + 1) * gs);
    std::sort(members.begin(), members.end(), std::greater<>());
    group_score[g] = gs >= 2 ? members[0] + members[1] : members[0];
  }
  std::vector<int> groups(rule.num_groups);
  std::iota(groups.begin(), groups.end(), 0);
  std::sort(groups.begin(), groups.end(), by_key(group_score));
  std::vector<int> candidates;
  for (int i = 0; i < rule.top_k_groups; ++i)
    for (int e = groups[i] * gs; e < (groups[i] + 1) * gs; ++e) candidates.push_back(e);
  std::sort(candidates.begin(), candidates.end(), by_key(key));
  candidates.resize(rule.top_k);
  return candidates;
}

// Logits from a small set so that keys, group scores and their ranks tie often; or continuous.
std::vector<double> random_values(int n, std::mt19937_64& engine, bool ties, double scale) {
  std::vector<double> out(n);
  for (double& v : out)
    v = ties ? scale * (static_cast<int>(engine() % 5) - 2) * 0.5
             : scale * (static_cast<double>(engine() >> 11) / 9007199254740992.0 * 4 - 2);
  return out;
}

void expect_matches_reference(const RoutingRule& rule, uint64_t seed, bool ties, bool with_bias) {
  std::mt19937_64 engine(seed);
  for (int token = 0; token < 300; ++token) {
    const auto logits = random_values(rule.num_experts, engine, ties, 1.0);
    const auto bias = with_bias ? random_values(rule.num_experts, engine, ties, 0.05) : std::vector<double>{};
    std::vector<int> ids(rule.top_k);
    std::vector<double> gates(rule.top_k);
    route_token<double>(rule, logits.data(), with_bias ? bias.data() : nullptr, ids.data(), gates.data());
    ASSERT_EQ(ids, sort_reference(rule, logits, bias)) << "token " << token << " seed " << seed;
  }
}

const RoutingRule kSmallGrouped{16, 3, 4, 2, RouterScoring::kSigmoid, true, 2.5};
const RoutingRule kGroupOfOne{8, 2, 8, 3, RouterScoring::kSigmoid, true, 1.0};
const RoutingRule kNoGroups{64, 6, 1, 1, RouterScoring::kSigmoid, false, 1.0};
const RoutingRule kSoftmaxTop4{32, 4, 1, 1, RouterScoring::kSoftmax, true, 1.0};

TEST(RoutingRule, SelectionMatchesSortReferenceWithTies) {
  for (const RoutingRule& rule : {kDeepSeekV3Routing, kMixtralRouting, kSmallGrouped, kGroupOfOne, kNoGroups,
                                  kSoftmaxTop4})
    for (bool with_bias : {false, true}) expect_matches_reference(rule, 11, /*ties=*/true, with_bias);
}

TEST(RoutingRule, SelectionMatchesSortReferenceContinuous) {
  for (const RoutingRule& rule : {kDeepSeekV3Routing, kMixtralRouting, kSmallGrouped, kGroupOfOne, kNoGroups})
    for (bool with_bias : {false, true}) expect_matches_reference(rule, 12, /*ties=*/false, with_bias);
}

TEST(RoutingRule, SelectionFromKeysAndFromKeyFunctionAgree) {
  std::mt19937_64 engine(13);
  for (int t = 0; t < 100; ++t) {
    const auto logits = random_values(256, engine, true, 1.0);
    const auto bias = random_values(256, engine, true, 0.05);
    std::vector<double> keys(256);
    for (int e = 0; e < 256; ++e) keys[e] = selection_key(kDeepSeekV3Routing, logits.data(), bias.data(), e);
    std::vector<int> from_keys(8), from_function(8);
    select_experts_from_keys(kDeepSeekV3Routing, keys.data(), from_keys.data());
    select_experts<double>(kDeepSeekV3Routing, [&](int e) { return selection_key(kDeepSeekV3Routing, logits.data(), bias.data(), e); },
                           from_function.data());
    ASSERT_EQ(from_keys, from_function);
    ASSERT_EQ(from_keys, sort_reference(kDeepSeekV3Routing, logits, bias));
  }
}

TEST(RoutingRule, OnePassSelectionMatchesSortReference) {
  // The host's one-pass selection (the simulator's router) against the same sort-based reference, with many ties
  // among keys and among group scores, on every rule shape above (a group of one, no groups, softmax).
  const RoutingRule v2_like{256, 6, 8, 3, RouterScoring::kSigmoid, true, 16.0};
  for (const RoutingRule& rule : {kDeepSeekV3Routing, kMixtralRouting, kSmallGrouped, kGroupOfOne, kNoGroups,
                                  kSoftmaxTop4, v2_like})
    for (bool ties : {true, false}) {
      std::mt19937_64 engine(ties ? 21 : 22);
      for (int token = 0; token < 300; ++token) {
        const auto logits = random_values(rule.num_experts, engine, ties, 1.0);
        const auto bias = random_values(rule.num_experts, engine, ties, 0.05);
        std::vector<double> keys(rule.num_experts);
        for (int e = 0; e < rule.num_experts; ++e) keys[e] = selection_key(rule, logits.data(), bias.data(), e);
        std::vector<int> ids(rule.top_k);
        select_experts_in_one_pass(rule, keys.data(), ids.data());
        ASSERT_EQ(ids, sort_reference(rule, logits, bias)) << "token " << token << " of rule with " << rule.num_experts
                                                           << " experts, ties " << ties;
      }
    }
}

TEST(RoutingRule, AllEqualScoresPickLowestIndices) {
  const std::vector<double> logits(256, 0.25);
  std::vector<int> ids(8);
  std::vector<double> gates(8);
  route_token<double>(kDeepSeekV3Routing, logits.data(), nullptr, ids.data(), gates.data());
  EXPECT_EQ(ids, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  for (double g : gates) EXPECT_NEAR(g, 2.5 / 8, 1e-15);
}

TEST(RoutingRule, GroupLimitExcludesAStrongExpertInAWeakGroup) {
  // Group 7 holds the single best expert but a weak second, so it loses to groups with two good experts.
  std::vector<double> logits(256, -3.0);
  for (int g = 0; g < 4; ++g) logits[g * 32] = logits[g * 32 + 1] = 2.0;
  logits[7 * 32] = 6.0;
  std::vector<int> ids(8);
  std::vector<double> gates(8);
  route_token<double>(kDeepSeekV3Routing, logits.data(), nullptr, ids.data(), gates.data());
  EXPECT_EQ(ids, (std::vector<int>{0, 1, 32, 33, 64, 65, 96, 97}));
}

TEST(RoutingRule, BiasSteersSelectionButNotGates) {
  std::mt19937_64 engine(5);
  const auto logits = random_values(256, engine, false, 1.0);
  std::vector<double> bias(256, 0.0);
  bias[200] = 10.0;
  std::vector<int> ids(8);
  std::vector<double> gates(8);
  route_token<double>(kDeepSeekV3Routing, logits.data(), bias.data(), ids.data(), gates.data());
  EXPECT_EQ(ids[0], 200);
  double sum = 0;
  for (int id : ids) sum += 1.0 / (1.0 + std::exp(-logits[id]));
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(gates[i], 2.5 * (1.0 / (1.0 + std::exp(-logits[ids[i]]))) / sum, 1e-14);
}

TEST(RoutingRule, GatesSumToScalingWhenNormalized) {
  std::mt19937_64 engine(6);
  for (int t = 0; t < 50; ++t) {
    const auto logits = random_values(256, engine, false, 3.0);
    std::vector<int> ids(8);
    std::vector<double> gates(8);
    route_token<double>(kDeepSeekV3Routing, logits.data(), nullptr, ids.data(), gates.data());
    EXPECT_NEAR(std::accumulate(gates.begin(), gates.end(), 0.0), 2.5, 1e-13);
  }
}

TEST(RoutingRule, UnnormalizedSigmoidGatesAreScaledScores) {
  std::mt19937_64 engine(7);
  const auto logits = random_values(64, engine, false, 1.0);
  std::vector<int> ids(6);
  std::vector<double> gates(6);
  route_token<double>(kNoGroups, logits.data(), nullptr, ids.data(), gates.data());
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(gates[i], 1.0 / (1.0 + std::exp(-logits[ids[i]])), 1e-15);
}

TEST(RoutingRule, MixtralGatesAreSoftmaxOfTheTopTwoLogits) {
  const std::vector<double> logits{0.1, 2.0, -1.0, 1.5, 0.3, -0.2, 0.0, 1.0};
  std::vector<int> ids(2);
  std::vector<double> gates(2);
  route_token<double>(kMixtralRouting, logits.data(), nullptr, ids.data(), gates.data());
  EXPECT_EQ(ids, (std::vector<int>{1, 3}));
  const double a = std::exp(2.0), b = std::exp(1.5);
  EXPECT_NEAR(gates[0], a / (a + b), 1e-15);
  EXPECT_NEAR(gates[1], b / (a + b), 1e-15);
}

TEST(RoutingRule, SoftmaxWithoutNormalizationIsTheFullSoftmax) {
  RoutingRule rule = kMixtralRouting;
  rule.normalize_gates = false;
  const std::vector<double> logits{0.1, 2.0, -1.0, 1.5, 0.3, -0.2, 0.0, 1.0};
  std::vector<int> ids(2);
  std::vector<double> gates(2);
  route_token<double>(rule, logits.data(), nullptr, ids.data(), gates.data());
  double total = 0;
  for (double l : logits) total += std::exp(l);
  EXPECT_NEAR(gates[0], std::exp(2.0) / total, 1e-15);
}

TEST(RoutingRule, FloatAndDoubleAgreeOnWellSeparatedScores) {
  std::mt19937_64 engine(8);
  std::vector<double> logits(64 * 256);
  for (double& l : logits) l = static_cast<double>(engine() % 100000) * 1e-4 - 5;  // 1e-4 apart: no float ties
  std::vector<float> logits_f(logits.begin(), logits.end());
  std::vector<int> ids_d(64 * 8), ids_f(64 * 8);
  std::vector<double> gates_d(64 * 8);
  std::vector<float> gates_f(64 * 8);
  router_ref(kDeepSeekV3Routing, logits, {}, ids_d, gates_d);
  router_ref(kDeepSeekV3Routing, logits_f, {}, ids_f, gates_f);
  int differing_tokens = 0;
  for (size_t t = 0; t < 64; ++t) {
    if (!std::equal(ids_d.begin() + t * 8, ids_d.begin() + t * 8 + 8, ids_f.begin() + t * 8)) {
      ++differing_tokens;  // only a float rounding near-tie of two group scores or keys may swap experts
      continue;
    }
    for (size_t i = t * 8; i < t * 8 + 8; ++i) EXPECT_NEAR(gates_f[i], gates_d[i], 1e-5);
  }
  EXPECT_LE(differing_tokens, 2);
}

TEST(RoutingRule, ValidationMessages) {
  auto error = [](RoutingRule rule) { return std::string(routing_rule_error(rule) ? routing_rule_error(rule) : ""); };
  EXPECT_EQ(error(kDeepSeekV3Routing), "");
  EXPECT_EQ(error(kMixtralRouting), "");
  RoutingRule r = kDeepSeekV3Routing;
  r.num_experts = 0;
  EXPECT_EQ(error(r), "num_experts must be in 1..1024");
  r = kDeepSeekV3Routing, r.num_groups = 65;
  EXPECT_EQ(error(r), "num_groups must be in 1..64");
  r = kDeepSeekV3Routing, r.num_groups = 7;
  EXPECT_EQ(error(r), "num_groups must divide num_experts");
  r = kDeepSeekV3Routing, r.top_k_groups = 9;
  EXPECT_EQ(error(r), "top_k_groups must be in 1..num_groups");
  r = kDeepSeekV3Routing, r.top_k = 33;
  EXPECT_EQ(error(r), "top_k must be in 1..32");
  r = kDeepSeekV3Routing, r.num_groups = 64, r.top_k_groups = 4, r.top_k = 20;
  EXPECT_EQ(error(r), "top_k exceeds the experts of the kept groups (top_k_groups * num_experts / num_groups)");
  r = kDeepSeekV3Routing, r.routed_scaling = 0;
  EXPECT_EQ(error(r), "routed_scaling must be positive");
}

TEST(RouterRef, RejectsInvalidRulesAndSizes) {
  std::vector<double> logits(2 * 256), gates(16);
  std::vector<int> ids(16);
  RoutingRule bad = kDeepSeekV3Routing;
  bad.num_groups = 7;
  EXPECT_THROW(router_ref(bad, logits, {}, ids, gates), std::invalid_argument);
  std::vector<int> short_ids(15);
  EXPECT_THROW(router_ref(kDeepSeekV3Routing, logits, {}, short_ids, gates), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels
