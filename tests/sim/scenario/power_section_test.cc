// cluster.power: its optional keys over the published defaults, and each error at its line.
#include "sim/scenario/power_section.h"

#include <gtest/gtest.h>

#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

TEST(PowerSection, KeysDefaultsAndErrors) {
  using testing::error_of;
  const std::string base = testing::kValidScenario;
  const Scenario s = parse_scenario(base + "  power: {pue: 1.1, node_overhead: 3 kW, switch_power: 1 kW}\n", "s.yaml");
  EXPECT_EQ(s.cluster.power.pue, 1.1);
  EXPECT_EQ(s.cluster.power.node_overhead_w, 3000);
  EXPECT_EQ(s.cluster.power.switch_w, 1000);
  const Scenario defaults = parse_scenario(base, "s.yaml");
  EXPECT_EQ(defaults.cluster.power.pue, 1.58);        // Uptime Institute 2023
  EXPECT_EQ(defaults.cluster.power.switch_w, 747);    // QM9700 typical
  EXPECT_EQ(defaults.cluster.power.node_overhead_w, 4600);
  const std::string pue = error_of(base + "  power: {pue: 0.9}\n");
  EXPECT_NE(pue.find("s.yaml:18:16: cluster.power.pue"), std::string::npos) << pue;
  const std::string unknown = error_of(base + "  power: {pue: 1.2, swtich_power: 1 kW}\n");
  EXPECT_NE(unknown.find("swtich_power"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("switch_power"), std::string::npos) << unknown;  // did you mean
  // Idle at or above the TDP: at gpu_idle where given, else at the GPU whose power was lowered.
  EXPECT_EQ(parse_scenario(base + "  power: {gpu_idle: 90 W}\n", "s.yaml").cluster.power.gpu_idle_w, 90);
  const std::string idle = error_of(base + "  power: {gpu_idle: 700 W}\n");
  EXPECT_NE(idle.find("s.yaml:18:21: cluster.power.gpu_idle: a GPU idle power of 700 W is not below its TDP"),
            std::string::npos) << idle;
  const std::string lowered = error_of(testing::with("hbm_capacity: 1 TiB}", "hbm_capacity: 1 TiB, power: 60 W}"));
  EXPECT_NE(lowered.find("s.yaml:15:8: cluster.gpu: a GPU idle power of 70 W is not below its TDP (power) of 60 W"),
            std::string::npos) << lowered;
}

}  // namespace
}  // namespace trainsim::sim
