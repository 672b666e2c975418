// `trainsim routing` end to end on a small DeepSeek-V3 slice (small_moe_scenario.h: 2 MoE layers, EP 16):
// the summary's variants, the three pictures in --out, JSON that parses, and balanced routing refused with 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_trainsim.h"
#include "small_moe_scenario.h"

namespace trainsim::testing {
namespace {

std::filesystem::path scenario_in(const std::string& name, const std::string& routing) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << small_moe_scenario(routing);
  return dir;
}

TEST(RoutingCommand, SummaryPicturesAndJson) {
  const std::filesystem::path dir = scenario_in("routing_command_summary", "routing: {kind: synthetic, zipf_exponent: 0.5}\n");
  const ProcessResult r = run_trainsim({"routing", (dir / "s.yaml").string(), "--steps", "3", "--out", (dir / "pictures").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"as generated", "bias balancing", "MaxVio of layer 3 per step", "step time"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " missing from:\n" << r.out;
  for (const char* svg : {"maxvio.svg", "gpu-load.svg", "gpu-load-balanced.svg"}) {
    std::ifstream in(dir / "pictures" / svg);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") << svg;
  }
  const ProcessResult json_run = run_trainsim({"routing", (dir / "s.yaml").string(), "--steps", "3", "--json"});
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  const nlohmann::json j = nlohmann::json::parse(json_run.out);
  EXPECT_EQ(j["ep"], 16);
  EXPECT_EQ(j["variants"].size(), 3u);
  EXPECT_EQ(j["trace"]["none"].size(), 3u);
}

TEST(RoutingCommand, BalancedRoutingExitsTwo) {
  const std::filesystem::path dir = scenario_in("routing_command_balanced", "");
  const ProcessResult r = run_trainsim({"routing", (dir / "s.yaml").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("routing is balanced"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace trainsim::testing
