// cluster.failures: Llama 3's figures unless given, `none` to leave failures out, each error at its line.
#include <gtest/gtest.h>

#include "sim/scenario/scenario_loader.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::parse;

TEST(ScenarioFailureKeys, DefaultsAreLlama3sAndAnAssumedRestart) {
  const hw::FailureSpec f = parse(kValidScenario).cluster.failures;
  EXPECT_TRUE(f.enabled);
  EXPECT_NEAR(f.gpu_mtbf_s / 3600, 54.0 * 24 * 16384 / 419, 1e-6);  // 50,677 GPU-hours per interruption
  EXPECT_EQ(f.checkpoint_write_bytes_per_s, 2e12);                   // Tectonic, 2 TB/s sustained
  EXPECT_TRUE(f.restart_assumed);
  EXPECT_FALSE(f.checkpoint_interval_s.has_value());
}

TEST(ScenarioFailureKeys, EveryFieldCanBeGiven) {
  const hw::FailureSpec f = parse(std::string(kValidScenario) +
                                  "  failures:\n    gpu_mtbf: 10000 h\n    checkpoint_write_bandwidth: 500 GB/s\n"
                                  "    checkpoint_read_bandwidth: 1 TB/s\n    restart_time: 3 min\n"
                                  "    checkpoint_interval: 30 min\n")
                                .cluster.failures;
  EXPECT_EQ(f.gpu_mtbf_s, 3.6e7);
  EXPECT_EQ(f.checkpoint_write_bytes_per_s, 5e11);
  EXPECT_EQ(f.checkpoint_read_bytes_per_s, 1e12);
  EXPECT_EQ(f.restart_s, 180);
  EXPECT_FALSE(f.restart_assumed);
  EXPECT_EQ(f.checkpoint_interval_s, 1800);
}

TEST(ScenarioFailureKeys, NoneTurnsThemOff) {
  EXPECT_FALSE(parse(std::string(kValidScenario) + "  failures: none\n").cluster.failures.enabled);
  EXPECT_NE(error_of(std::string(kValidScenario) + "  failures: some\n").find("cluster.failures"), std::string::npos);
}

TEST(ScenarioFailureKeys, ErrorsAreLocated) {
  const std::string unknown = error_of(std::string(kValidScenario) + "  failures:\n    mtbf: 5 h\n");
  EXPECT_NE(unknown.find("cluster.failures.mtbf"), std::string::npos) << unknown;
  const std::string range = error_of(std::string(kValidScenario) + "  failures:\n    gpu_mtbf: 10 min\n");
  EXPECT_NE(range.find("cluster.failures.gpu_mtbf: '10 min' is out of range"), std::string::npos) << range;
  const std::string unit = error_of(std::string(kValidScenario) + "  failures:\n    restart_time: 5 GB\n");
  EXPECT_NE(unit.find("cluster.failures.restart_time"), std::string::npos) << unit;
}

}  // namespace
}  // namespace trainsim::sim
