// One answer per question: `run` (at every fidelity) and `schedule --scenario` price a scenario's chunks
// once, so they show the same per-stage chunk times and the same executed bubble of the scenario's
// schedule; and every bubble printed names its definition (executed, formula or simulated).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

using nlohmann::json;

json run_json(const std::vector<std::string>& args, const std::string& dir = kSource) {
  const ProcessResult r = run_trainsim(args, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

// The DualPipe scenario as published, and the same run with 1F1B.
const char* const kScenarios[] = {"deepseek-v3-2048xh800", "deepseek-v3-2048xh800-1f1b"};

TEST(OneAnswer, RunAndScheduleShowTheSameChunksAndExecutedBubble) {
  const std::string dir = std::filesystem::temp_directory_path() / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const std::string name : kScenarios) {
    const std::string scenario = kSource + "/scenarios/" + name + ".yaml";
    const json schedule = run_json({"schedule", "--scenario", scenario, "--json", "--svg", dir + "/s.svg",
                                    "--trace", dir + "/t.json"}, dir);
    for (const std::string fidelity : {"analytic", "stage"}) {
      const json run = run_json({"run", scenario, "--json", "--fidelity", fidelity});
      const json& pipeline = run["step"]["pipeline"];
      EXPECT_EQ(pipeline["stage_chunks_s"], schedule["chunk_times"]["per_stage_s"]) << name << " " << fidelity;
      bool found = false;
      for (const json& row : schedule["schedules"]) {
        if (row["kind"] != run["scenario"]["schedule"]) continue;
        found = true;
        EXPECT_EQ(row["bubble"], pipeline["executed_bubble_s"]) << name << " " << fidelity;
        EXPECT_EQ(row["published_bubble"], pipeline["formula_bubble_s"]) << name << " " << fidelity;
      }
      EXPECT_TRUE(found) << name;
      // Each bubble carries its definition: the step's own, and the two of the schedule on the chunks.
      const std::string own = run["step"]["bubble_definition"];
      EXPECT_EQ(own.rfind(fidelity == "analytic" ? "executed:" : "simulated:", 0), 0u) << own;
      EXPECT_EQ(pipeline["executed_bubble_definition"].get<std::string>().rfind("executed:", 0), 0u);
      EXPECT_EQ(pipeline["formula_bubble_definition"].get<std::string>().rfind("formula:", 0), 0u);
    }
  }
}

// Compute by op kind has one vocabulary: the same keys at the analytic and stage fidelity of the default
// scenario (the gpu fidelity is checked on a reduced replica in tests/sim/step), summing to the compute,
// with no catch-all bucket to hide a large share in.
TEST(OneAnswer, ComputeByOpKindHasTheSameKeysAtEveryFidelity) {
  std::vector<std::string> keys[2];
  int i = 0;
  for (const std::string fidelity : {"analytic", "stage"}) {
    const json step = run_json({"run", "--json", "--fidelity", fidelity})["step"];
    double sum_s = 0;
    for (const auto& [kind, seconds] : step["compute_by_op_kind_s"].items()) {
      keys[i].push_back(kind);
      sum_s += seconds.get<double>();
      for (const char* catch_all : {"other", "misc", "rest"}) EXPECT_NE(kind, catch_all) << fidelity;
    }
    // Conservation, to the rounding of a sum of a few hundred thousand terms.
    EXPECT_NEAR(sum_s, step["compute_s"].get<double>(), 1e-9 * sum_s) << fidelity;
    ++i;
  }
  EXPECT_EQ(keys[0], keys[1]);
  EXPECT_GE(keys[0].size(), 8u);  // the list: attention core ... casts, embedding and head
}

// Every printed line that mentions a bubble says which one: executed, formula or simulated.
TEST(OneAnswer, EveryPrintedBubbleNamesItsDefinition) {
  const std::string dir = std::filesystem::temp_directory_path() / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string scenario = kSource + "/scenarios/deepseek-v3-2048xh800-1f1b.yaml";
  const std::vector<std::vector<std::string>> commands = {
      {"run", scenario},
      {"run", scenario, "--fidelity", "analytic"},
      {"schedule", "--scenario", scenario, "--svg", dir + "/s.svg", "--trace", dir + "/t.json"},
      {"schedule", "--pp", "4", "--microbatches", "8", "--svg", dir + "/s.svg", "--trace", dir + "/t.json"}};
  for (const auto& args : commands) {
    const ProcessResult r = run_trainsim(args, dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    int bubble_lines = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find("bubble") == std::string::npos) continue;
      ++bubble_lines;
      const bool named = line.find("executed") != std::string::npos || line.find("formula") != std::string::npos ||
                         line.find("simulated") != std::string::npos;
      EXPECT_TRUE(named) << args[0] << ": " << line;
    }
    EXPECT_GT(bubble_lines, 0) << args[0];
  }
}

}  // namespace
}  // namespace trainsim::testing
