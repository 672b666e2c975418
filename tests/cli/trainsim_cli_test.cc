// The trainsim binary end to end, in short runs: the analytic golden report, located errors and exit codes, the
// catalogs, and no partial output on bad input (whole stage-fidelity runs are in whole_runs_test.cc). The goldens
// are the binary's own earlier output: they guard format and determinism, not correctness
// (tests/cli/golden/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <fstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

TEST(TrainsimCli, AnalyticFidelityMatchesItsGoldenReport) {
  const ProcessResult text = run_trainsim({"run", "--fidelity", "analytic"}, kSource);
  const ProcessResult json = run_trainsim({"run", "--fidelity", "analytic", "--json"}, kSource);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, file_text(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.analytic.txt")) << kGoldenHint;
  EXPECT_EQ(json.out, file_text(kSource + "/tests/cli/golden/deepseek-v3-2048xh800.analytic.json")) << kGoldenHint;
}

// A cluster no topology builder takes yet: the simulated levels name the scenario's line and point to the
// closed form, which still answers.
TEST(TrainsimCli, UnbuildableNetworkIsAnErrorAtItsLineAndAnalyticStillRuns) {
  const std::string dir = ::testing::TempDir() + "trainsim-network";
  std::filesystem::create_directories(dir);
  std::string text = file_text(kSource + "/scenarios/llama-3.1-405b-16384xh100.yaml");
  const std::string from = "topology: fat-tree-3";
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
  std::string text = file_text(kSource + "/scenarios/llama-3.1-405b-16384xh100.yaml");
  const std::string from = "topology: fat-tree-3";
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
        {"parallelism.ep_overlap=true", "parallelism.ep_overlap: the EP all-to-all overlap needs expert parallelism"},
        {"parallelism.account_for_embedding_in_pipeline_split=true",
         "parallelism.account_for_embedding_in_pipeline_split: 126 layers + the embedding do not split evenly"}}) {
    const ProcessResult result = validate({set});
    EXPECT_EQ(result.exit_code, 2) << set;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--set "), std::string::npos) << result.err;  // located at the flag that set it
  }
}

// Llama 3's 405B as Meta placed it (arXiv 2407.21783, section 3.3.2): the first chunk of the first stage holds
// only the embedding, the last chunk of the last stage only the output head and the loss, every other chunk one
// of the 126 transformer layers; and Meta ran the layout on 80 GB H100s, so it fits them (here without
// recomputation, the scenarios' assumption).
TEST(TrainsimCli, LlamaThreesPlacementGivesTheEmbeddingAndTheLossAChunkEach) {
  for (const std::string gpus : {"8192", "16384"}) {
    const std::string scenario = "scenarios/validation/llama-3.1-405b-" + gpus + "xh100.yaml";
    const ProcessResult run = run_trainsim({"run", scenario, "--fidelity", "analytic", "--json"}, kSource);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json out = nlohmann::json::parse(run.out);
    std::vector<int> expected(16 * 8, 1);
    expected.front() = expected.back() = 0;
    EXPECT_EQ(out["placement"]["layers_per_stage"].get<std::vector<int>>(), expected) << gpus;
    EXPECT_LE(out["memory"]["peak_bytes_per_gpu"].get<double>(), 80.0 * (1u << 30)) << gpus;
  }
}

TEST(TrainsimCli, TraceNeedsASimulatedStep) {
  const ProcessResult result = run_trainsim({"run", "--fidelity", "analytic", "--trace", "t.json"}, kSource);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--trace"), std::string::npos) << result.err;
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
  std::ofstream(scenario) << file_text(kSource + "/scenarios/deepseek-v3-2048xh800.yaml") + "\nextra_key: 1\n";
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

}  // namespace
}  // namespace trainsim::testing
