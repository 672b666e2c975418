// `trainsim validate-published` on two rows of the Megatron set, as CI runs it: each prediction is the one
// `trainsim run` makes for the same scenario, the printed errors follow from the printed times, and the
// Markdown report holds what the published one does.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const std::string kSet = "scenarios/validation/megatron-weak-scaling.yaml";

struct Row {
  double measured_s = 0, predicted_s = 0, error_percent = 0;
};

// "  gpt-1.7b         measured     3.53 s  predicted     2.90 s   -17.9%"
Row row_of(const std::string& summary, const std::string& name) {
  const std::regex line("\n  " + name + R"( +measured +([0-9.]+) s +predicted +([0-9.]+) s +([-+][0-9.]+)%)");
  std::smatch m;
  if (!std::regex_search(summary, m, line)) return {};
  return {std::stod(m[1]), std::stod(m[2]), std::stod(m[3])};
}

TEST(ValidatePublished, TwoMegatronRowsPredictedAsRunPredictsThem) {
  const ProcessResult r = run_trainsim({"validate-published", kSet, "--only", "gpt-1.7b,gpt-18.4b"}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [name, scenario, measured_s] :
       {std::tuple{"gpt-1.7b", "megatron-gpt-1.7b-32xa100.yaml", 3.53}, std::tuple{"gpt-18.4b", "megatron-gpt-18.4b-256xa100.yaml", 9.40}}) {
    const Row row = row_of(r.out, name);
    ASSERT_GT(row.predicted_s, 0) << name << " missing from:\n" << r.out;
    EXPECT_EQ(row.measured_s, measured_s) << name;  // the paper's 137 and 135 TFLOP/s by its formula
    // The printed error is predicted / measured - 1 of the printed times (2 decimals: within 0.2% at these sizes).
    EXPECT_NEAR(row.error_percent, 100 * (row.predicted_s / row.measured_s - 1), 0.2) << name;
    const ProcessResult run = run_trainsim({"run", "scenarios/validation/" + std::string(scenario), "--json"}, kSource);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NEAR(row.predicted_s, nlohmann::json::parse(run.out)["step"]["time_s"].get<double>(), 0.005) << name;
  }
  EXPECT_NE(r.out.find("\nmean |error| "), std::string::npos) << r.out;
  EXPECT_EQ(row_of(r.out, "gpt-7.5b").predicted_s, 0) << "--only left out the other rows";
}

// The checks set gives GPU-hours per trillion tokens and TFLOP/s per GPU: each becomes the step time its
// arithmetic gives (written out here), and the error follows from it as from a measured step.
TEST(ValidatePublished, ThroughputFiguresAreReadAsTheStepTheyImply) {
  const std::string checks = "scenarios/validation/published-checks.yaml";
  const ProcessResult r =
      run_trainsim({"validate-published", checks, "--only", "deepseek-v2,llama-405b-16k-gpus"}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // DeepSeek-V2: 172,800 GPU-hours x 3,600 s per 10^12 tokens, x 9,216 x 4,096 tokens a step, over 1,024 GPUs.
  const Row v2 = row_of(r.out, "deepseek-v2");
  EXPECT_NEAR(v2.measured_s, 172800.0 * 3600 * 9216 * 4096 / 1e12 / 1024, 0.005) << r.out;
  // Llama 3.1 405B on 16,384 GPUs at 400 TFLOP/s each, over the FLOPs trainsim counts for the step.
  const Row llama = row_of(r.out, "llama-405b-16k-gpus");
  const ProcessResult run =
      run_trainsim({"run", "scenarios/validation/llama-3.1-405b-16384xh100.yaml", "--json"}, kSource);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const double flops = nlohmann::json::parse(run.out)["step"]["model_flops"].get<double>();
  EXPECT_NEAR(llama.measured_s, flops / (16384 * 400e12), 0.005) << r.out;
  for (const Row& row : {v2, llama}) EXPECT_NEAR(row.error_percent, 100 * (row.predicted_s / row.measured_s - 1), 0.2);
}

TEST(ValidatePublished, WritesTheMarkdownReport) {
  const std::string report = ::testing::TempDir() + "validation-two-rows.md";
  std::filesystem::remove(report);
  const ProcessResult r = run_trainsim({"validate-published", kSet, "--only", "gpt-1.7b", "-o", report}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(report);
  std::stringstream text;
  text << in.rdbuf();
  const std::string page = text.str();
  EXPECT_NE(page.find("# trainsim against Megatron-LM weak scaling on A100"), std::string::npos) << page;
  EXPECT_NE(page.find("| gpt-1.7b | 32 | TP 1 PP 1 DP 32, mb 16 | 3.53 |"), std::string::npos) << page;
  EXPECT_NE(page.find("Regenerate: `trainsim validate-published " + kSet + " --only gpt-1.7b -o "), std::string::npos) << page;
  EXPECT_NE(page.find("calibration: hardware/calibration/a100-published.yaml"), std::string::npos) << page;
}

TEST(ValidatePublished, AnUnknownRunExitsTwo) {
  const ProcessResult r = run_trainsim({"validate-published", kSet, "--only", "gpt-1.8b"}, kSource);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--only: no run named 'gpt-1.8b'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gpt-1.7b"), std::string::npos) << r.err;  // did you mean
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace trainsim::testing
