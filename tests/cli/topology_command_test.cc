// `trainsim topology` end to end: the ISCA 2025 FT2 as JSON, --compare of every kind (JSON fields per kind;
// kinds that cannot reach the size say why), a drawing, and bad input refused with exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_test_files.h"
#include "run_trainsim.h"
#include "small_moe_scenario.h"

namespace trainsim::testing {
namespace {

TEST(TopologyCommand, IscaFatTreeAsJson) {
  const ProcessResult r = run_trainsim({"topology", "--kind", "ft2", "--radix", "64", "--endpoints", "2048", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "ft2");
  EXPECT_EQ(j["switches"], 96);  // ISCA 2025 table 3
  EXPECT_EQ(j["links"], 2048);
}

TEST(TopologyCommand, CompareListsEveryKind) {
  const ProcessResult r = run_trainsim({"topology", "--compare", "--endpoints", "16384", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 6u);
  for (const auto& kind : j) {
    if (kind["kind"] == "ft2") {
      EXPECT_TRUE(kind.contains("error")) << kind;  // 16,384 NICs exceed one 64-port two-layer tree (2,048)
      continue;
    }
    for (const char* field : {"kind", "endpoints", "switches", "links", "cost_usd", "cost_per_endpoint_usd",
                              "bisection_bytes_per_s", "diameter"})
      EXPECT_TRUE(kind.contains(field)) << field << " in " << kind;
    EXPECT_EQ(kind["endpoints"], 16384);
  }
  const ProcessResult text = run_trainsim({"topology", "--compare", "--endpoints", "16384"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Not built at this size"), std::string::npos) << text.out;
}

TEST(TopologyCommand, DrawsASmallNetwork) {
  const std::filesystem::path svg = std::filesystem::path(::testing::TempDir()) / "topology_command_draw.svg";
  const ProcessResult r = run_trainsim(
      {"topology", "--kind", "dragonfly", "--radix", "8", "--endpoints", "72", "--nics-per-node", "4", "--svg", svg.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(svg);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
}

TEST(TopologyCommand, BadInputExitsTwo) {
  const ProcessResult too_big = run_trainsim({"topology", "--kind", "ft2", "--endpoints", "4096"});
  EXPECT_EQ(too_big.exit_code, 2);
  EXPECT_NE(too_big.err.find("--endpoints"), std::string::npos) << too_big.err;
  const ProcessResult odd = run_trainsim({"topology", "--endpoints", "12"});  // not a multiple of 8 NICs a node
  EXPECT_EQ(odd.exit_code, 2);
  const ProcessResult kind = run_trainsim({"topology", "--kind", "torus"});
  EXPECT_EQ(kind.exit_code, 2);
  const std::filesystem::path svg = std::filesystem::path(::testing::TempDir()) / "topology_command_big.svg";
  const ProcessResult big = run_trainsim({"topology", "--kind", "mpft", "--svg", svg.string()});
  EXPECT_EQ(big.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(svg));  // nothing half-written
}

// MPFT of 8-port switches, 64 NICs, 4 per node: 4 planes of 4 leaves and 2 spines. Plane 1 lost takes its 6
// switches, its 16 NICs and a quarter of the bisection; every node pair stays joined over the other planes.
TEST(TopologyCommand, APlaneFailedAsJson) {
  const ProcessResult r = run_trainsim({"topology", "--kind", "mpft", "--radix", "8", "--endpoints", "64",
                                        "--nics-per-node", "4", "--fail", "plane1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("failed").at("switches"), 6);
  EXPECT_EQ(j.at("failed").at("nics"), 16);
  EXPECT_DOUBLE_EQ(j.at("after").at("bisection_bytes_per_s").get<double>(),
                   0.75 * j.at("healthy").at("bisection_bytes_per_s").get<double>());
  EXPECT_EQ(j.at("node_pairs"), 16 * 15 / 2);
  EXPECT_EQ(j.at("disconnected_node_pairs"), 0);
  const ProcessResult text = run_trainsim({"topology", "--kind", "mpft", "--radix", "8", "--endpoints", "64",
                                           "--nics-per-node", "4", "--fail", "plane1"});
  EXPECT_NE(text.out.find("-25.0%"), std::string::npos) << text.out;
}

TEST(TopologyCommand, FailuresAreCheckedBeforeAnythingIsWritten) {
  const ProcessResult unknown = run_trainsim({"topology", "--kind", "ft2", "--radix", "8", "--endpoints", "32",
                                              "--nics-per-node", "4", "--fail", "spine9"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--fail"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("spine9"), std::string::npos) << unknown.err;
  EXPECT_EQ(run_trainsim({"topology", "--compare", "--fail", "spine0"}).exit_code, 2);
  EXPECT_EQ(run_trainsim({"topology", "--kind", "ft2", "--fail-links", "1.5"}).exit_code, 2);
}

// The scenario's own network with plane 0 lost: 256 NICs of the default scenario's 256 nodes, and its step on
// what is left. One answer: the healthy step is `run`'s; and losing a plane cannot speed the step up.
TEST(TopologyCommand, ScenarioStepBeforeAndAfterAFailure) {
  const ProcessResult r = run_trainsim({"topology", "--scenario", kDefaultScenario, "--fail", "plane0", "--json"}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("failed").at("nics"), 256);
  EXPECT_EQ(j.at("disconnected_node_pairs"), 0);
  const ProcessResult run = run_trainsim({"run", kDefaultScenario, "--fidelity", "stage", "--json"}, kSource);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const double step_s = nlohmann::json::parse(run.out).at("step").at("time_s").get<double>();
  EXPECT_DOUBLE_EQ(j.at("step").at("healthy_s").get<double>(), step_s);
  EXPECT_GE(j.at("step").at("after_s").get<double>(), step_s);
  const ProcessResult unknown = run_trainsim({"topology", "--scenario", kDefaultScenario, "--fail", "spine99"}, kSource);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("spine99"), std::string::npos) << unknown.err;
}

TEST(TopologyCommand, ScenarioSimulatesOnEveryKind) {
  // 32 GPUs on 4 nodes at stage fidelity: the engine routes the EP all-to-all over each builder's fabric.
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "topology_every_kind";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << small_moe_scenario();
  for (const char* kind : {"fat-tree", "multi-plane-fat-tree", "rail-optimized", "fat-tree-3", "slim-fly", "dragonfly"}) {
    const ProcessResult r = run_trainsim({"run", (dir / "s.yaml").string(), "--fidelity", "stage", "--set",
                                          std::string("cluster.topology=") + kind});
    EXPECT_EQ(r.exit_code, 0) << kind << ": " << r.err;
    EXPECT_NE(r.out.find(kind), std::string::npos) << kind;  // the summary names the topology
  }
}

}  // namespace
}  // namespace trainsim::testing
