// The trainsim binary end to end: every shipped scenario against its golden report (text and JSON), the
// exit codes, and no partial output on bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <fstream>
#include <sstream>

#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const std::string kSource = TRAINSIM_SOURCE_DIR;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/scenarios"))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(TrainsimCli, EveryShippedScenarioMatchesItsGoldenReport) {
  const std::vector<std::string> names = shipped_scenarios();
  ASSERT_GE(names.size(), 3u);
  for (const std::string& name : names) {
    const std::string scenario = "scenarios/" + name + ".yaml";
    const ProcessResult text = run_trainsim({"run", scenario}, kSource);
    const ProcessResult json = run_trainsim({"run", scenario, "--json"}, kSource);
    ASSERT_EQ(text.exit_code, 0) << name << ": " << text.err;
    ASSERT_EQ(json.exit_code, 0) << name << ": " << json.err;
    // Regenerate with tests/cli/update-goldens.sh and review the diff.
    EXPECT_EQ(text.out, read(kSource + "/tests/cli/golden/" + name + ".txt")) << name;
    EXPECT_EQ(json.out, read(kSource + "/tests/cli/golden/" + name + ".json")) << name;
  }
}

TEST(TrainsimCli, AnalyticFidelityMatchesItsGoldenReport) {
  const ProcessResult text = run_trainsim({"run", "--fidelity", "analytic"}, kSource);
  const ProcessResult json = run_trainsim({"run", "--fidelity", "analytic", "--json"}, kSource);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.analytic.txt"));
  EXPECT_EQ(json.out, read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.analytic.json"));
}

// Issue 5: the same scenario twice gives byte-identical JSON and trace; the trace is Perfetto's JSON with
// one process per pipeline device and compute and communication events of every kind.
TEST(TrainsimCli, SimulatedStepAndTraceAreByteIdenticalRunToRun) {
  const std::string dir = ::testing::TempDir() + "trainsim-trace";
  std::filesystem::create_directories(dir);
  for (const char* run : {"1", "2"}) {
    const ProcessResult result = run_trainsim({"run", "--fidelity", "stage", "--json", "-o", dir + "/run" + run + ".json",
                                               "--trace", dir + "/trace" + run + ".json"},
                                              kSource);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  EXPECT_EQ(read(dir + "/run1.json"), read(dir + "/run2.json"));
  const std::string trace = read(dir + "/trace1.json");
  EXPECT_EQ(trace, read(dir + "/trace2.json"));
  const auto parsed = nlohmann::json::parse(trace);
  std::set<int> processes;
  std::set<std::string> kinds;
  std::size_t ops = 0;
  for (const auto& e : parsed.at("traceEvents")) {
    if (e.at("ph") == "M") {
      processes.insert(e.at("pid").get<int>());
    } else {
      ++ops;
      kinds.insert(e.at("cat").get<std::string>());
    }
  }
  EXPECT_EQ(processes.size(), 16u);  // PP 16, one GPU each at stage fidelity
  EXPECT_GT(ops, 100000u);
  for (const char* kind : {"attention", "router", "experts", "ep", "pp", "dp", "optimizer"})
    EXPECT_TRUE(kinds.count(kind)) << kind;
}

// A cluster no topology builder takes yet: the simulated levels name the scenario's line and point to the
// closed form, which still answers.
TEST(TrainsimCli, UnbuildableNetworkIsAnErrorAtItsLineAndAnalyticStillRuns) {
  const std::string dir = ::testing::TempDir() + "trainsim-network";
  std::filesystem::create_directories(dir);
  std::string text = read(kSource + "/scenarios/llama-3.1-405b-16384xh100.yaml");
  const std::string from = "topology: multi-plane-fat-tree";
  text.replace(text.find(from), from.size(), "topology: fat-tree");
  const std::string scenario = dir + "/one-plane.yaml";
  std::ofstream(scenario, std::ios::binary) << text;
  const ProcessResult stage = run_trainsim({"run", scenario});
  EXPECT_EQ(stage.exit_code, 2);
  EXPECT_NE(stage.err.find(scenario + ":"), std::string::npos) << stage.err;
  EXPECT_NE(stage.err.find("cluster.nodes"), std::string::npos) << stage.err;
  EXPECT_NE(stage.err.find("--fidelity analytic"), std::string::npos) << stage.err;
  EXPECT_EQ(run_trainsim({"validate-scenario", scenario}).exit_code, 2);
  EXPECT_EQ(run_trainsim({"run", scenario, "--fidelity", "analytic"}).exit_code, 0);
}

// The figures of `trainsim bench` are for people to read (times are not tested); the command must run and
// list every case with its columns.
TEST(TrainsimCli, QuickBenchListsEveryStageCase) {
  const ProcessResult result = run_trainsim({"bench", "--quick"}, kSource);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* row : {"stage, the default step", "stage, 240 micro-batches", "stage, PP 4 (512 GPUs)", "events/s",
                          "peak memory", "14.762 s"})
    EXPECT_NE(result.out.find(row), std::string::npos) << row << " in\n" << result.out;
  EXPECT_EQ(result.out.find("gpu, "), std::string::npos) << "--quick runs no gpu-fidelity case";
}

TEST(TrainsimCli, TraceNeedsASimulatedStep) {
  const ProcessResult result = run_trainsim({"run", "--fidelity", "analytic", "--trace", "t.json"}, kSource);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--trace"), std::string::npos) << result.err;
}

TEST(TrainsimCli, RunWithoutArgumentsUsesTheDefaultScenario) {
  const ProcessResult result = run_trainsim({"run"}, kSource);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.txt"));
}

TEST(TrainsimCli, CatalogsAndVersion) {
  const ProcessResult models = run_trainsim({"models"});
  EXPECT_EQ(models.exit_code, 0);
  EXPECT_NE(models.out.find("deepseek-v3"), std::string::npos);
  EXPECT_NE(models.out.find("671.0B"), std::string::npos);
  const ProcessResult gpus = run_trainsim({"gpus", "--json"});
  EXPECT_EQ(gpus.exit_code, 0);
  EXPECT_NE(gpus.out.find("\"key\": \"b200\""), std::string::npos);
  const ProcessResult version = run_trainsim({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("trainsim ", 0), 0u);
}

TEST(TrainsimCli, BadInputExitsTwoWithOneLineAndWritesNothing) {
  const std::string dir = ::testing::TempDir() + "trainsim-cli-bad";
  std::filesystem::create_directories(dir);
  const std::string scenario = dir + "/bad.yaml", output = dir + "/out.json";
  std::ofstream(scenario) << read(kSource + "/scenarios/deepseek-v3-2048xh800.yaml") + "\nextra_key: 1\n";
  std::filesystem::remove(output);
  const ProcessResult result = run_trainsim({"run", scenario, "--json", "-o", output});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("trainsim: error: " + scenario + ":", 0), 0u) << result.err;
  EXPECT_NE(result.err.find("unknown key 'extra_key'"), std::string::npos);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
  EXPECT_TRUE(result.out.empty());
  EXPECT_FALSE(std::filesystem::exists(output));
  EXPECT_EQ(run_trainsim({"run", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(run_trainsim({}).exit_code, 2);
}

TEST(TrainsimCli, OutputFileIsWrittenWhole) {
  const std::string output = ::testing::TempDir() + "trainsim-run.json";
  const ProcessResult result = run_trainsim({"run", "--json", "-o", output}, kSource);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(read(output), read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.json"));
  EXPECT_FALSE(std::filesystem::exists(output + ".tmp"));
}

}  // namespace
}  // namespace trainsim::testing
