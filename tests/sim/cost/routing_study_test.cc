// The routing study on a small DeepSeek-V3 slice (EP 32 over 4 nodes): rows conserved, balanced routing
// balanced, bias balancing lowering the straggler's excess, V3's four-node limit, and the located refusals.
#include "sim/cost/routing_study.h"
#include "sim/cost/scenario_routing.h"

#include <gtest/gtest.h>

#include <numeric>

#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::with;

Scenario small_moe(const std::string& routing) {
  std::string text = with("  preset: deepseek-v3\n", "  preset: deepseek-v3\n  overrides: {num_hidden_layers: 5}\n");
  text = with("  sequence_length: 4096\n", "  sequence_length: 512\n", text);
  text = with("  pp: 4\n  schedule: dualpipe\n  ep: 8\n  dp: 8\n", "  pp: 1\n  schedule: 1f1b\n  ep: 32\n  dp: 32\n", text);
  return parse_scenario(text + routing, "s.yaml");
}

// The routed traffic carries the dispatch in the scenario's precision, as the op catalog does (models/mlp_ops.cc):
// a BF16 run sends 2 bytes an element, an FP8 one 1 plus a 4-byte scale per 128 (7168 + 4 x 56 bytes a token
// copy of DeepSeek-V3). The received bytes, the same copies either way, scale by 2 x 7168 / 7392.
TEST(RoutingStudy, TheRoutedTrafficCarriesTheScenariosDispatchPrecision) {
  const std::string routing = "routing: {kind: synthetic, zipf_exponent: 0.5}\n";
  const Scenario fp8 = small_moe(routing);
  ASSERT_TRUE(fp8.job.precision.fp8_dispatch);
  Scenario bf16 = fp8;
  bf16.job.precision.fp8_dispatch = false;
  models::RoutingReplay unused;
  EXPECT_TRUE(routing_request(fp8, unused).fp8_dispatch);
  EXPECT_FALSE(routing_request(bf16, unused).fp8_dispatch);
  RoutingStudyRequest request;
  request.steps = 2;
  const RoutingStudy a = study_routing(fp8, request), b = study_routing(bf16, request);
  ASSERT_EQ(a.variants.size(), b.variants.size());
  for (std::size_t v = 0; v < a.variants.size(); ++v)
    EXPECT_NEAR(b.variants[v].mean_received_bytes / a.variants[v].mean_received_bytes, 2.0 * 7168 / 7392, 1e-12)
        << a.variants[v].name;
}

TEST(RoutingStudy, RowsAreConservedAndBalancingLowersTheStraggler) {
  const Scenario s = small_moe("routing: {kind: synthetic, zipf_exponent: 0.5}\n");
  RoutingStudyRequest request;
  request.steps = 20;
  const RoutingStudy study = study_routing(s, request);
  ASSERT_EQ(study.layers.size(), 2u);  // 5 layers, the first 3 dense (first_k_dense_replace)
  ASSERT_EQ(study.variants.size(), 3u);
  // Every (token, expert) row lands on some rank: 512 tokens x 32 ranks x top 8 per layer, in every variant.
  for (const RoutingVariant& v : study.variants)
    for (const std::vector<double>& rows : v.rows)
      EXPECT_DOUBLE_EQ(std::accumulate(rows.begin(), rows.end(), 0.0), 512.0 * 32 * 8) << v.name;
  EXPECT_EQ(study.variants[0].max_vio, 0.0);  // balanced: every rank the same rows
  EXPECT_GT(study.variants[1].mean_vio, 0.1);  // a Zipf 0.5 skew leaves a straggler
  EXPECT_LT(study.variants[2].mean_vio, study.variants[1].mean_vio);  // the bias pulls it back
  // DeepSeek-V3's rule: at most 4 nodes per token (here all 4 nodes of the group are allowed).
  EXPECT_LE(study.variants[1].max_nodes_per_token, 4);
  EXPECT_GT(study.variants[1].mean_nodes_per_token, 1.0);
  // The traced layer: one point per step, both curves starting from the same routing (no bias yet).
  ASSERT_EQ(study.with_bias.size(), 20u);
  EXPECT_EQ(study.with_bias[0].max_vio_batch, study.without_bias[0].max_vio_batch);
  // The straggler costs time: the skewed step is longer than the balanced one by what its stragglers add.
  EXPECT_GT(study.variants[1].step_time_s, study.variants[0].step_time_s);
  EXPECT_GT(study.variants[1].straggler_s, 0.0);
  EXPECT_EQ(study.variants[0].straggler_s, 0.0);
  EXPECT_NEAR(study.variants[1].step_time_s - study.variants[1].straggler_s, study.variants[0].step_time_s,
              1e-9 * study.variants[0].step_time_s);  // straggler_s is the routed step minus the balanced one
}

TEST(RoutingStudy, EplbReplicasEvenOutTheRanks) {
  // 32 redundant slots (one more per GPU) placed by EPLB from the loads as generated: the busiest rank comes
  // closer to the mean than with bias balancing alone, and rows are still conserved.
  const Scenario s = small_moe(
      "routing: {kind: synthetic, zipf_exponent: 0.5, placement: eplb-hierarchical, redundant_experts: 32}\n");
  RoutingStudyRequest request;
  request.steps = 3;
  request.step_times = false;
  const RoutingStudy study = study_routing(s, request);
  ASSERT_EQ(study.variants.size(), 4u);
  EXPECT_EQ(study.variants[3].name, "bias balancing + EPLB");
  EXPECT_LT(study.variants[3].mean_vio, study.variants[2].mean_vio);
  for (const std::vector<double>& rows : study.variants[3].rows)
    EXPECT_DOUBLE_EQ(std::accumulate(rows.begin(), rows.end(), 0.0), 512.0 * 32 * 8);
}

TEST(RoutingStudy, BalancedRoutingOrADenseModelIsALocatedRefusal) {
  EXPECT_THROW(study_routing(small_moe(""), {}), ConfigError);
  try {
    study_routing(small_moe(""), {});
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("routing is balanced"), std::string::npos) << e.what();
  }
  RoutingStudyRequest request;
  request.trace_layer = 0;  // a dense layer
  EXPECT_THROW(study_routing(small_moe("routing: synthetic\n"), request), ConfigError);
}

}  // namespace
}  // namespace trainsim::sim
