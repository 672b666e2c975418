// Whole runs of the shipped scenarios through the binary, at stage fidelity: every scenario against its golden
// report (text and JSON), the same bytes run to run, bench's quick cases, the default scenario with no arguments,
// and an output file written whole. Labelled `long`: under ASan these take minutes (the sanitizer pass of
// scripts/setup.sh skips them; the code they reach runs under the sanitizers in trainsim_cli_test.cc's shorter
// runs and the library's tests).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

TEST(TrainsimCli, EveryShippedScenarioMatchesItsGoldenReport) {
  const std::vector<std::string> names = shipped_scenarios();
  ASSERT_GE(names.size(), 3u);
  for (const std::string& name : names) {
    const std::string scenario = "scenarios/" + name + ".yaml";
    const ProcessResult text = run_trainsim({"run", scenario}, kSource);
    const ProcessResult json = run_trainsim({"run", scenario, "--json"}, kSource);
    ASSERT_EQ(text.exit_code, 0) << name << ": " << text.err;
    ASSERT_EQ(json.exit_code, 0) << name << ": " << json.err;
    // Format and determinism only: the golden is this binary's earlier output, not an expected truth.
    EXPECT_EQ(text.out, file_text(kSource + "/tests/cli/golden/" + name + ".txt")) << name << ".txt " << kGoldenHint;
    EXPECT_EQ(json.out, file_text(kSource + "/tests/cli/golden/" + name + ".json")) << name << ".json " << kGoldenHint;
  }
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
  EXPECT_EQ(file_text(dir + "/run1.json"), file_text(dir + "/run2.json"));
  const std::string trace = file_text(dir + "/trace1.json");
  EXPECT_EQ(trace, file_text(dir + "/trace2.json"));
  const auto parsed = nlohmann::json::parse(trace);
  std::set<int> processes, busy_processes;
  std::set<std::string> kinds;
  for (const auto& e : parsed.at("traceEvents")) {
    if (e.at("ph") == "M") {
      processes.insert(e.at("pid").get<int>());
    } else {
      busy_processes.insert(e.at("pid").get<int>());
      kinds.insert(e.at("cat").get<std::string>());
    }
  }
  // The scenario's PP 16 with DualPipe: 16 pipeline devices, one GPU each at stage fidelity, and every one
  // of them runs chunks (each device holds two stages).
  EXPECT_EQ(processes.size(), 16u);
  EXPECT_EQ(busy_processes, processes);
  for (const char* kind : {"attention", "router", "experts", "ep", "pp", "dp", "optimizer"})
    EXPECT_TRUE(kinds.count(kind)) << kind;
}

// The figures of `trainsim bench` are for people to read (wall times are not tested); the command must run
// and list every case with its columns. One answer per question: its default step is the step `trainsim run`
// simulates for the default scenario, to the printed millisecond.
TEST(TrainsimCli, QuickBenchListsEveryStageCase) {
  const ProcessResult result = run_trainsim({"bench", "--quick"}, kSource);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* row : {"stage, the default step", "stage, 240 micro-batches", "stage, PP 4 (512 GPUs)", "events/s",
                          "peak memory"})
    EXPECT_NE(result.out.find(row), std::string::npos) << row << " in\n" << result.out;
  const ProcessResult run = run_trainsim({"run", "--fidelity", "stage", "--json"}, kSource);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const double step_s = nlohmann::json::parse(run.out).at("step").at("time_s").get<double>();
  const std::size_t row = result.out.find("stage, the default step");
  ASSERT_NE(row, std::string::npos);
  const std::string line = result.out.substr(row, result.out.find('\n', row) - row);
  char printed[32];
  std::snprintf(printed, sizeof printed, "%.3f s", step_s);
  EXPECT_NE(line.find(printed), std::string::npos)
      << "bench's default step differs from run's " << step_s << " s: " << line;
  EXPECT_EQ(result.out.find("gpu, "), std::string::npos) << "--quick runs no gpu-fidelity case";
}

// --case picks a case by its whole name, though the name is also a part of two others; a text that names no case
// is a usage error that lists the cases.
TEST(TrainsimCli, BenchCaseRunsTheNamedCaseAlone) {
  const ProcessResult result = run_trainsim({"bench", "--quick", "--case", "stage, the default step"}, kSource);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("stage, the default step "), std::string::npos) << result.out;
  for (const char* other : {"skewed routing", "routed", "micro-batches", "PP 4"})
    EXPECT_EQ(result.out.find(other), std::string::npos) << other << " in\n" << result.out;

  const ProcessResult unknown = run_trainsim({"bench", "--quick", "--case", "tpu"}, kSource);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--case: 'tpu' names none of the bench cases"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("'stage, PP 4 (512 GPUs)'"), std::string::npos) << unknown.err;
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
}

// A routed case says what of its wall its balanced reference took (on one core the two add up).
TEST(TrainsimCli, BenchSaysWhatARoutedCasesReferenceCost) {
  const ProcessResult result = run_trainsim({"bench", "--quick", "--case", "stage, the default step, routed"}, kSource);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string said = "stage, the default step, routed: its balanced reference (the straggler's share) took ";
  const std::size_t at = result.out.find(said);
  ASSERT_NE(at, std::string::npos) << result.out;
  EXPECT_GT(std::stod(result.out.substr(at + said.size())), 0.0) << result.out;
}

TEST(TrainsimCli, RunWithoutArgumentsUsesTheDefaultScenario) {
  const ProcessResult result = run_trainsim({"run"}, kSource);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, file_text(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.txt")) << kGoldenHint;
}

TEST(TrainsimCli, OutputFileIsWrittenWhole) {
  const std::string output = ::testing::TempDir() + "trainsim-run.json";
  const ProcessResult result = run_trainsim({"run", "--json", "-o", output}, kSource);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(file_text(output), file_text(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.json")) << kGoldenHint;
  EXPECT_FALSE(std::filesystem::exists(output + ".tmp"));
}

}  // namespace
}  // namespace trainsim::testing
