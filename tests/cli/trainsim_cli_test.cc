// The trainsim binary end to end: every shipped scenario against its golden report (text and JSON), the
// exit codes, and no partial output on bad input. The goldens are the binary's own earlier output: they
// guard format and determinism, not correctness (tests/cli/golden/README.md).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
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

// What a golden mismatch means, printed with it: the goldens hold no external truth.
constexpr const char* kGoldenHint =
    "differs from its golden report. Goldens are the binary's own output and check format and determinism "
    "only, not correctness; if the change is intended, run tests/cli/update-goldens.sh, review the printed "
    "diff and say in the commit why each figure moved (tests/cli/golden/README.md)";

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
    // Format and determinism only: the golden is this binary's earlier output, not an expected truth.
    EXPECT_EQ(text.out, read(kSource + "/tests/cli/golden/" + name + ".txt")) << name << ".txt " << kGoldenHint;
    EXPECT_EQ(json.out, read(kSource + "/tests/cli/golden/" + name + ".json")) << name << ".json " << kGoldenHint;
  }
}

TEST(TrainsimCli, AnalyticFidelityMatchesItsGoldenReport) {
  const ProcessResult text = run_trainsim({"run", "--fidelity", "analytic"}, kSource);
  const ProcessResult json = run_trainsim({"run", "--fidelity", "analytic", "--json"}, kSource);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.analytic.txt")) << kGoldenHint;
  EXPECT_EQ(json.out, read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.analytic.json")) << kGoldenHint;
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

// Fewer NICs than GPUs: one NIC per node puts the 2,048 nodes' 2,048 NICs on one fat-tree, which 64-port
// switches take (at most 2,048 endpoints); planes on a fat-tree are refused at their line.
TEST(TrainsimCli, ValidateScenarioTakesNicsPerNodeAndRefusesPlanesOffMultiPlane) {
  const std::string dir = ::testing::TempDir() + "trainsim-nics";
  std::filesystem::create_directories(dir);
  std::string text = read(kSource + "/scenarios/llama-3.1-405b-16384xh100.yaml");
  const std::string from = "topology: multi-plane-fat-tree";
  text.replace(text.find(from), from.size(), "topology: fat-tree\n  nics_per_node: 1");
  const std::string one_nic = dir + "/one-nic.yaml";
  std::ofstream(one_nic, std::ios::binary) << text;
  const ProcessResult accepted = run_trainsim({"validate-scenario", one_nic});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  const std::string planes = dir + "/planes.yaml";
  std::ofstream(planes, std::ios::binary) << text + "  planes: 1\n";
  const ProcessResult refused = run_trainsim({"validate-scenario", planes});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find(planes + ":"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("cluster.planes: planes on a fat-tree topology"), std::string::npos) << refused.err;
}

// Issue 15's layouts: validate-scenario accepts each that is priced and refuses at load, located, each that
// is not (never priced as something else).
TEST(TrainsimCli, ValidateScenarioAcceptsMegatronLayoutsAndRefusesWhatIsNotModelled) {
  const std::string llama = kSource + "/scenarios/llama-3.1-405b-16384xh100.yaml";
  auto validate = [&](std::vector<std::string> sets) {
    std::vector<std::string> args{"validate-scenario", llama};
    for (const std::string& set : sets) args.insert(args.end(), {"--set", set});
    return run_trainsim(args);
  };
  // 126 layers + the embedding + the loss = 128 over pp 16 x v 2 = 32 stages of 4 (Megatron-Core's rule).
  for (const std::vector<std::string>& accepted :
       {std::vector<std::string>{"parallelism.dp_overlap=false"}, {"parallelism.dp_bucket=25M"},
        {"parallelism.zero_stage=3"}, {"parallelism.expert_tp=1", "parallelism.ep_overlap=false"},
        {"parallelism.layers_per_stage=auto", "parallelism.account_for_embedding_in_pipeline_split=true",
         "parallelism.account_for_loss_in_pipeline_split=true"}}) {
    const ProcessResult result = validate(accepted);
    EXPECT_EQ(result.exit_code, 0) << accepted.front() << ": " << result.err;
  }
  for (const auto& [set, message] :
       {std::pair<std::string, std::string>{"parallelism.expert_tp=2", "parallelism.expert_tp: expert tensor parallelism"},
        {"parallelism.ep_overlap=true", "parallelism.ep_overlap: Megatron's EP overlap"},
        {"parallelism.account_for_embedding_in_pipeline_split=true",
         "parallelism.account_for_embedding_in_pipeline_split: 126 layers + the embedding do not split evenly"}}) {
    const ProcessResult result = validate({set});
    EXPECT_EQ(result.exit_code, 2) << set;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--set "), std::string::npos) << result.err;  // located at the flag that set it
  }
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

TEST(TrainsimCli, TraceNeedsASimulatedStep) {
  const ProcessResult result = run_trainsim({"run", "--fidelity", "analytic", "--trace", "t.json"}, kSource);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--trace"), std::string::npos) << result.err;
}

TEST(TrainsimCli, RunWithoutArgumentsUsesTheDefaultScenario) {
  const ProcessResult result = run_trainsim({"run"}, kSource);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.txt")) << kGoldenHint;
}

TEST(TrainsimCli, CatalogsAndVersion) {
  const ProcessResult models = run_trainsim({"models"});
  EXPECT_EQ(models.exit_code, 0);
  // DeepSeek-V3's total as the catalog prints it, against the published 671B (docs/sources.md#deepseek-v3-parameters;
  // 0.5%: the bound tests/models/model_size_test.cc holds the count to).
  const std::size_t v3 = models.out.find("deepseek-v3 ");
  ASSERT_NE(v3, std::string::npos) << models.out;
  std::smatch billions;
  const std::string v3_line = models.out.substr(v3, models.out.find('\n', v3) - v3);
  ASSERT_TRUE(std::regex_search(v3_line, billions, std::regex(R"(([0-9]+\.[0-9])B)"))) << v3_line;
  EXPECT_NEAR(std::stod(billions[1]) / 671.0, 1.0, 0.005) << v3_line;
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
  EXPECT_EQ(read(output), read(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.json")) << kGoldenHint;
  EXPECT_FALSE(std::filesystem::exists(output + ".tmp"));
}

}  // namespace
}  // namespace trainsim::testing
