// cluster.network_failures: names checked on the scenario's own network (4 H800 nodes on the default multi-plane
// fat-tree: 8 planes of one leaf each, no spines), located errors, the scenario's seed.
#include "sim/scenario/network_failures_section.h"

#include <gtest/gtest.h>

#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::parse;

std::string with_failures(const std::string& lines) { return std::string(kValidScenario) + "  network_failures:\n" + lines; }

TEST(NetworkFailuresSection, NamesOfTheScenariosNetworkAreTaken) {
  const Scenario s = parse(with_failures("    parts: [plane3, gpu5-nic, leaf1]\n    link_failure_rate: 0.01\n"));
  EXPECT_EQ(s.cluster.network_failures.parts, (std::vector<std::string>{"plane3", "gpu5-nic", "leaf1"}));
  EXPECT_DOUBLE_EQ(s.cluster.network_failures.link_failure_rate, 0.01);
  EXPECT_EQ(s.cluster.network_failures.seed, 7u);  // the scenario's
  EXPECT_TRUE(parse(kValidScenario).cluster.network_failures.empty());
}

TEST(NetworkFailuresSection, AnUnknownPartIsRefusedAtItsLine) {
  // Lines 18 and 19: "  network_failures:", "    parts: [...]"; four nodes' planes have no spine.
  const std::string message = error_of(with_failures("    parts: [plane3, spine0]\n"));
  EXPECT_NE(message.find("s.yaml:19"), std::string::npos) << message;
  EXPECT_NE(message.find("spine0"), std::string::npos) << message;
  const std::string plane = error_of(with_failures("    parts: [plane9]\n"));
  EXPECT_NE(plane.find("plane9"), std::string::npos) << plane;
}

TEST(NetworkFailuresSection, RateIsAProbabilityAndKeysAreKnown) {
  EXPECT_NE(error_of(with_failures("    link_failure_rate: 1.5\n")).find("s.yaml:19"), std::string::npos);
  EXPECT_NE(error_of(with_failures("    links: 3\n")).find("links"), std::string::npos);
  EXPECT_NE(error_of(with_failures("    parts: plane1\n")).find("list"), std::string::npos);
}

}  // namespace
}  // namespace trainsim::sim
