// The measured-run set file: every rule on its own error, and the shipped Megatron set checked against the
// paper's own arithmetic.
#include "sim/scenario/measured_runs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

const std::string kSource = TRAINSIM_SOURCE_DIR;

class MeasuredRunsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    // A folder per test: ctest runs the tests of this fixture side by side, each writing its own set.yaml.
    folder_ = std::filesystem::path(::testing::TempDir()) /
              (std::string("measured_runs_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(folder_);
    std::filesystem::copy_file(kSource + "/scenarios/validation/megatron-gpt-1.7b-32xa100.yaml", folder_ / "a.yaml",
                               std::filesystem::copy_options::overwrite_existing);
  }
  std::string write(const std::string& text) {
    const std::string path = (folder_ / "set.yaml").string();
    std::ofstream(path) << text;
    return path;
  }
  // The message of the ConfigError loading `text` throws ("" when it loads).
  std::string error_of(const std::string& text) {
    try {
      load_measured_runs(write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path folder_;
};

const std::string kHead = "title: t\nsource: s\nruns:\n";

TEST_F(MeasuredRunsFile, ReadsRunsWithScenarioPathsFromTheSetsFolder) {
  const MeasuredRunSet set = load_measured_runs(write(
      "title: t\nsource: s\ngoal_mean_abs_error: 5%\nruns:\n  - {name: a, scenario: a.yaml, measured_step: 3.53 s}\n"));
  ASSERT_EQ(set.runs.size(), 1u);
  EXPECT_EQ(set.runs[0].name, "a");
  EXPECT_EQ(set.runs[0].figure, MeasuredFigure::kStepTime);
  EXPECT_DOUBLE_EQ(set.runs[0].figure_value, 3.53);
  EXPECT_DOUBLE_EQ(set.goal_mean_abs_error, 0.05);
  EXPECT_EQ(std::filesystem::path(set.runs[0].scenario_path), (folder_ / "a.yaml").lexically_normal());
}

TEST_F(MeasuredRunsFile, EveryRuleHasItsLocatedError) {
  EXPECT_NE(error_of(kHead + "  - {name: a, scenario: a.yaml, measured_step: 3.53}\n").find("runs[0].measured_step"),
            std::string::npos);  // a time needs its unit
  EXPECT_NE(error_of(kHead + "  - {name: a, scenario: missing.yaml, measured_step: 1 s}\n").find("cannot read scenario file"),
            std::string::npos);
  const std::string twice = error_of(kHead + "  - {name: a, scenario: a.yaml, measured_step: 1 s}\n"
                                             "  - {name: a, scenario: a.yaml, measured_step: 2 s}\n");
  EXPECT_NE(twice.find("set.yaml:5:"), std::string::npos) << twice;
  EXPECT_NE(twice.find("a second run named 'a'"), std::string::npos) << twice;
  EXPECT_NE(error_of(kHead + "  - {name: a, scenario: a.yaml, measured_step: 1 s, step: 2}\n").find("step"), std::string::npos);
  EXPECT_NE(error_of("title: t\nsource: s\nruns: []\n").find("has no runs"), std::string::npos);
  EXPECT_NE(error_of(kHead + "  - {name: 'a b', scenario: a.yaml, measured_step: 1 s}\n").find("not a run name"),
            std::string::npos);
  EXPECT_NE(error_of("title: t\nsource: s\ngoal_mean_abs_error: 150%\nruns:\n  - {name: a, scenario: a.yaml, measured_step: 1 s}\n")
                .find("goal_mean_abs_error"),
            std::string::npos);
}

// A publication may give FLOP/s per GPU or GPU-hours per trillion tokens instead of a step time; each becomes
// one by arithmetic written out here.
TEST_F(MeasuredRunsFile, ThroughputFiguresBecomeStepTimes) {
  const MeasuredRunSet set = load_measured_runs(
      write(kHead + "  - {name: a, scenario: a.yaml, measured_tflops_per_gpu: 430 TFLOP/s}\n"
                    "  - {name: b, scenario: a.yaml, measured_gpu_hours_per_trillion_tokens: 172.8K}\n"
                    "  - {name: c, scenario: a.yaml, measured_tokens_per_s_per_gpu: 292}\n"));
  ASSERT_EQ(set.runs.size(), 3u);
  EXPECT_EQ(set.runs[0].figure, MeasuredFigure::kFlopsPerGpu);
  EXPECT_EQ(set.runs[0].figure_text(), "430 TFLOP/s per GPU");
  // 4.2346e19 FLOPs a step over 8,192 GPUs at 430 TFLOP/s each.
  EXPECT_NEAR(set.runs[0].step_time_s(4.2346e19, 0, 8192), 4.2346e19 / (430e12 * 8192), 1e-9);
  EXPECT_EQ(set.runs[1].figure, MeasuredFigure::kGpuHoursPerTrillionTokens);
  EXPECT_EQ(set.runs[1].figure_text(), "172.8 K GPU-hours per trillion tokens");
  // DeepSeek-V2's figure at 9,216 x 4,096 tokens a step on 1,024 GPUs: 172,800 GPU-hours x 3,600 s per 10^12
  // tokens is 0.62208 GPU-seconds a token; x 37,748,736 tokens / 1,024 GPUs = 22.932 s.
  EXPECT_NEAR(set.runs[1].step_time_s(0, 9216.0 * 4096, 1024), 22.932, 0.001);
  EXPECT_EQ(set.runs[2].figure, MeasuredFigure::kTokensPerGpu);
  EXPECT_EQ(set.runs[2].figure_text(), "292 tokens/s per GPU");
  // NVIDIA's Llama 3.1 405B on 1,024 H100: 512 sequences x 8,192 tokens a step at 292 tokens/s on each of 1,024
  // GPUs: 4,194,304 / 299,008 = 14.027 s.
  EXPECT_NEAR(set.runs[2].step_time_s(0, 512.0 * 8192, 1024), 14.027, 0.001);
}

TEST_F(MeasuredRunsFile, ARunGivesExactlyOneMeasuredFigure) {
  EXPECT_NE(error_of(kHead + "  - {name: a, scenario: a.yaml}\n").find("runs[0]: gives no measured figure"),
            std::string::npos);
  const std::string two = "  - {name: a, scenario: a.yaml, measured_step: 1 s, measured_tflops_per_gpu: 400 TFLOP/s}\n";
  EXPECT_NE(error_of(kHead + two).find("gives more than one measured figure"), std::string::npos);
  EXPECT_NE(error_of(kHead + "  - {name: a, scenario: a.yaml, measured_tflops_per_gpu: 400}\n")
                .find("runs[0].measured_tflops_per_gpu"),
            std::string::npos);  // a rate needs its unit
}

TEST_F(MeasuredRunsFile, OnlyNamesRunsOfTheSet) {
  const MeasuredRunSet set = load_measured_runs(write(kHead + "  - {name: gpt-a, scenario: a.yaml, measured_step: 1 s}\n"
                                                              "  - {name: gpt-b, scenario: a.yaml, measured_step: 2 s}\n"));
  EXPECT_EQ(select_runs(set, {}).size(), 2u);
  ASSERT_EQ(select_runs(set, {"gpt-b"}).size(), 1u);
  EXPECT_EQ(select_runs(set, {"gpt-b"})[0].figure_value, 2);
  try {
    select_runs(set, {"gpt-c"});
    FAIL() << "an unknown run was selected";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--only"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no run named 'gpt-c'"), std::string::npos) << e.what();
  }
}

// Narayanan et al. 2021 give TFLOP/s per GPU, computed from the iteration time with their formula (section
// 5.1): F = 96 B s l h^2 (1 + s / (6h) + V / (16 l h)) FLOPs per iteration. The set's iteration times must be
// F / (TFLOP/s x GPUs) for the paper's TFLOP/s (in each run's note) and the scenario's B, s, l, h, V and GPUs;
// the TFLOP/s are rounded to 3 digits, so the times agree within 0.4% (half a unit in 137).
TEST(MegatronWeakScalingSet, IterationTimesFollowThePapersFormula) {
  const MeasuredRunSet set = load_measured_runs(kSource + "/scenarios/validation/megatron-weak-scaling.yaml");
  ASSERT_EQ(set.runs.size(), 10u);  // table 1's ten rows
  for (const MeasuredRun& run : set.runs) {
    const Scenario s = load_scenario(run.scenario_path);
    const double B = s.job.global_batch_sequences, seq = s.job.sequence_length, l = s.job.model.num_layers,
                 h = s.job.model.hidden_size, V = s.job.model.vocab_size;
    const double flops = 96 * B * seq * l * h * h * (1 + seq / (6 * h) + V / (16 * l * h));
    const double tflops = std::stod(run.note);  // "137 TFLOP/s per GPU"
    const double expected_s = flops / (tflops * 1e12 * s.cluster.gpu_count());
    ASSERT_EQ(run.figure, MeasuredFigure::kStepTime) << run.name;
    EXPECT_NEAR(run.figure_value / expected_s, 1.0, 0.004) << run.name;
    EXPECT_EQ(seq, 2048) << run.name;
    EXPECT_EQ(V, 51200) << run.name;
  }
}

}  // namespace
}  // namespace trainsim::sim
