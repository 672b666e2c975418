// The scenario's routing section: its default, the scalar and mapping forms, and each rule's located error
// (ranges, choices, unknown keys, dense models, redundant experts, replay files and their own errors).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/scenario/scenario_loader.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::parse;

// kValidScenario (17 lines) with a routing section from line 18.
std::string with_routing(const std::string& lines) { return std::string(kValidScenario) + "routing:" + lines; }
TEST(ScenarioRouting, BalancedByDefaultAndAsAScalar) {
  EXPECT_EQ(parse(kValidScenario).routing.source, models::RoutingSource::kBalanced);
  EXPECT_EQ(parse(with_routing(" balanced\n")).routing.source, models::RoutingSource::kBalanced);
  EXPECT_EQ(parse(with_routing(" synthetic\n")).routing.source, models::RoutingSource::kSynthetic);
  EXPECT_EQ(parse(kValidScenario).seed, 7u);  // the seed that drives the generator
}

TEST(ScenarioRouting, MappingSetsEveryKnob) {
  const Scenario s = parse(with_routing(
      "\n  kind: synthetic\n  zipf_exponent: 0.3\n  token_noise: 0.5\n  layer_correlation: 0.2\n"
      "  microbatch_correlation: 0.8\n  drift_steps: 1000\n  pool_tokens: 8192\n  balancing: none\n"
      "  bias_update_speed: 0.002\n  sequence_aux_loss: true\n  placement: eplb-hierarchical\n  redundant_experts: 8\n"));
  const models::RouterSpec& r = s.routing;
  EXPECT_EQ(r.source, models::RoutingSource::kSynthetic);
  EXPECT_EQ(r.zipf_exponent, 0.3);
  EXPECT_EQ(r.token_noise, 0.5);
  EXPECT_EQ(r.layer_correlation, 0.2);
  EXPECT_EQ(r.microbatch_correlation, 0.8);
  EXPECT_EQ(r.drift_steps, 1000);
  EXPECT_EQ(r.pool_tokens, 8192);
  EXPECT_EQ(r.balancing, models::BiasBalancing::kNone);
  EXPECT_EQ(r.bias_update_speed, 0.002);
  EXPECT_TRUE(r.sequence_aux_loss);
  EXPECT_EQ(r.placement, models::PlacementPolicy::kEplbHierarchical);
  EXPECT_EQ(r.redundant_experts, 8);
  EXPECT_EQ(s.where("routing.zipf_exponent").line, 20);
}

TEST(ScenarioRouting, DefaultsAreDeepSeekV3s) {
  const models::RouterSpec r = parse(with_routing("\n  kind: synthetic\n")).routing;
  EXPECT_EQ(r.balancing, models::BiasBalancing::kAuxLossFree);
  EXPECT_EQ(r.bias_update_speed, 0.001);
  EXPECT_EQ(r.placement, models::PlacementPolicy::kUniform);
}

TEST(ScenarioRouting, EachRuleIsALocatedError) {
  EXPECT_NE(error_of(with_routing(" skewed\n")).find("s.yaml:18:10: routing: "), std::string::npos)
      << error_of(with_routing(" skewed\n"));
  EXPECT_NE(error_of(with_routing("\n  kindd: synthetic\n")).find("s.yaml:19:3: routing.kindd: unknown key 'kindd'"),
            std::string::npos)
      << error_of(with_routing("\n  kindd: synthetic\n"));
  EXPECT_NE(error_of(with_routing("\n  kind: random\n")).find("s.yaml:19:9: routing.kind"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  zipf_exponent: 5\n")).find("s.yaml:19:18: routing.zipf_exponent: 5 is out of range"),
            std::string::npos)
      << error_of(with_routing("\n  zipf_exponent: 5\n"));
  EXPECT_NE(error_of(with_routing("\n  layer_correlation: -0.1\n")).find("routing.layer_correlation"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  microbatch_correlation: 2\n")).find("routing.microbatch_correlation"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  token_noise: 0\n")).find("routing.token_noise"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  drift_steps: -1\n")).find("routing.drift_steps"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  pool_tokens: 0\n")).find("routing.pool_tokens"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  bias_update_speed: 2\n")).find("routing.bias_update_speed"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  balancing: aux-loss\n")).find("routing.balancing"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  sequence_aux_loss: maybe\n")).find("routing.sequence_aux_loss"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  placement: eplb\n")).find("routing.placement"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  redundant_experts: 8\n"))
                .find("s.yaml:19:22: routing.redundant_experts: redundant experts with uniform placement"),
            std::string::npos)
      << error_of(with_routing("\n  redundant_experts: 8\n"));
  EXPECT_NE(error_of(with_routing("\n  placement: eplb-global\n  redundant_experts: 4\n"))
                .find("256 routed + 4 redundant experts do not split evenly over ep 8"),
            std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  kind: replay\n")).find("routing: kind: replay without a file"), std::string::npos);
  EXPECT_NE(error_of(with_routing("\n  file: x.csv\n")).find("routing.file: a file without kind: replay"), std::string::npos);
}

TEST(ScenarioRouting, DenseModelsTakeOnlyBalanced) {
  const std::string dense = testing::with("  preset: deepseek-v3\n", "  preset: llama-3.1-70b\n") ;
  EXPECT_NE(error_of(dense + "routing: synthetic\n").find("synthetic routing for"), std::string::npos)
      << error_of(dense + "routing: synthetic\n");
}

class ScenarioReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    // A folder per test: ctest runs tests side by side.
    folder_ = std::filesystem::path(::testing::TempDir()) /
              (std::string("scenario_replay_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(folder_);
  }
  std::string scenario(const std::string& csv) {
    std::ofstream(folder_ / "loads.csv") << csv;
    const std::string path = (folder_ / "s.yaml").string();
    std::ofstream(path) << std::string(kValidScenario) << "routing:\n  kind: replay\n  file: loads.csv\n";
    return path;
  }
  std::filesystem::path folder_;
};

// One row for every MoE layer of DeepSeek-V3 (layers 3 .. 60) at step 0.
std::string all_layers() {
  std::string csv = "step,layer,expert,tokens\n";
  for (int layer = 3; layer < 61; ++layer) csv += "0," + std::to_string(layer) + ",0,100\n";
  return csv;
}

TEST_F(ScenarioReplay, FileRelativeToTheScenario) {
  const Scenario s = load_scenario(scenario(all_layers()));
  EXPECT_EQ(s.routing.source, models::RoutingSource::kReplay);
  EXPECT_EQ(s.routing.replay_file, (folder_ / "loads.csv").lexically_normal().string());
}

TEST_F(ScenarioReplay, ReplayFileErrorsNameTheirOwnLine) {
  try {
    load_scenario(scenario(all_layers() + "0,3,999,5\n"));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("loads.csv:60:5: expert: expert 999 out of range"), std::string::npos) << e.what();
  }
  std::filesystem::remove(folder_ / "loads.csv");
  const std::string path = (folder_ / "s.yaml").string();
  try {
    load_scenario(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("s.yaml:20:9: routing.file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::sim
