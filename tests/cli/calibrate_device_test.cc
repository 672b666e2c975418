// `trainsim calibrate --device` and `--from-kernels` end to end: without a plan it says how the GPU run goes and
// exits 2; the plan of the DeepSeek-V3 H800 scenario is JSON, the same each time; results made from known
// memory-bound constants come back as a kernels calibration with those constants fitted; bad results write
// nothing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

// The number after "key: " in a calibration file's text.
double number_after(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(key + ": ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size() + 2));
}

TEST(CalibrateDevice, WithoutAPlanSaysHowTheGpuRunGoesAndMeasuresNothing) {
  const ProcessResult r = run_trainsim({"calibrate", "--device"}, kSource);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("trainsim: error: --device: trainsim measures no kernels itself", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("kernels/gpu-run.sh"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--plan PLAN.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("trainsim calibrate --from-kernels"), std::string::npos) << r.err;
  const ProcessResult both = run_trainsim({"calibrate", "--device", "--from-kernels", "r.json"}, kSource);
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("more than one source of measurements"), std::string::npos) << both.err;
  const ProcessResult no_scenario = run_trainsim({"calibrate", "--device", "--plan", temp_path("p.json")}, kSource);
  EXPECT_EQ(no_scenario.exit_code, 2);
  EXPECT_NE(no_scenario.err.find("--scenario FILE"), std::string::npos) << no_scenario.err;
  EXPECT_FALSE(std::filesystem::exists(temp_path("p.json")));
}

// The H800's datasheet HBM bandwidth (hardware/gpu_catalog.yaml: 3.35 TB/s), which the scenario keeps; the
// made-up kernels reach 80% of it (factor 1.25) and cost 5 us per launch.
constexpr double kFactor = 1.25, kLaunchS = 5e-6, kH800BytesPerS = 3.35e12;

TEST(CalibrateDevice, PlanThenResultsGiveAKernelsCalibrationWithItsFit) {
  const std::string plan_file = temp_path("plan") + ".json";
  const ProcessResult planned = run_trainsim({"calibrate", "--device", "--scenario", kDefaultScenario, "--plan", plan_file}, kSource);
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  EXPECT_NE(planned.out.find("on 132 and 112 SMs"), std::string::npos) << planned.out;
  const std::string text = file_text(plan_file);
  ASSERT_EQ(run_trainsim({"calibrate", "--device", "--scenario", kDefaultScenario, "--plan", plan_file}, kSource).exit_code, 0);
  EXPECT_EQ(file_text(plan_file), text);  // deterministic
  const nlohmann::json plan = nlohmann::json::parse(text);
  EXPECT_EQ(plan["device"]["gpu"], "h800");
  EXPECT_EQ(plan["device"]["comm_sm_count"], 20);
  std::set<std::string> ids, families;
  std::set<int> sms;
  for (const nlohmann::json& c : plan["calls"]) {
    EXPECT_TRUE(ids.insert(c["id"].get<std::string>()).second) << c.dump();
    families.insert(c["family"].get<std::string>());
    sms.insert(c["sms"].get<int>());
  }
  EXPECT_EQ(sms, (std::set<int>{112, 132}));
  // DeepSeek-V3 trains its GEMMs in FP8, its router gate in BF16, attention in BF16, everything else memory-bound.
  EXPECT_EQ(families, (std::set<std::string>{"fp8_gemm", "fp8_weight_gemm", "bf16_gemm", "attention_forward",
                                             "attention_backward", "memory_bound"}));

  nlohmann::json calls = nlohmann::json::array();
  for (const nlohmann::json& c : plan["calls"])
    if (c["family"] == "memory_bound")
      calls.push_back({{"id", c["id"]},
                       {"seconds", kLaunchS + kFactor * c["shape"]["bytes"].get<double>() / kH800BytesPerS},
                       {"sms", c["sms"]}});
  ASSERT_GE(calls.size(), 6u);
  nlohmann::json results{
      {"format", 1},
      {"device", {{"name", "NVIDIA H800"}, {"sm_count", 132}, {"boost_clock_hz", 1.98e9}, {"driver", "570.1"}, {"cuda", "13.0"}}},
      {"date", "2026-01-02"},
      {"calls", calls}};
  const std::string results_file = temp_path("results") + ".json";
  std::ofstream(results_file) << results.dump();
  const std::string calibration = temp_path("kernels") + ".yaml";
  const ProcessResult read = run_trainsim(
      {"calibrate", "--from-kernels", results_file, "--scenario", kDefaultScenario, "-o", calibration}, kSource);
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_NE(read.out.find("memory_bound: " + std::to_string(calls.size()) + " points"), std::string::npos) << read.out;
  const std::string written = file_text(calibration);
  EXPECT_NE(written.find("kind: kernels"), std::string::npos) << written;
  // Exact times of the memory model: the fit returns its constants to rounding.
  EXPECT_NEAR(number_after(written, "hbm_time_factor"), kFactor, 1e-9) << written;
  EXPECT_NEAR(number_after(written, "launch_s"), kLaunchS, 1e-15) << written;

  // The file names the command that makes it again, a --set that the scenario was read with included.
  const ProcessResult with_set = run_trainsim({"calibrate", "--from-kernels", results_file, "--scenario",
                                               kDefaultScenario, "--set", "seed=7", "-o", calibration}, kSource);
  ASSERT_EQ(with_set.exit_code, 0) << with_set.err;
  EXPECT_NE(file_text(calibration).find("--scenario " + std::string(kDefaultScenario) + " --set 'seed=7' -o "),
            std::string::npos)
      << file_text(calibration).substr(0, 400);

  // A malformed call: exit 2 at its JSON path, and the file is neither written nor replaced.
  std::filesystem::remove(calibration);
  results["calls"][0]["seconds"] = 0;
  std::ofstream(results_file) << results.dump();
  const ProcessResult bad = run_trainsim(
      {"calibrate", "--from-kernels", results_file, "--scenario", kDefaultScenario, "-o", calibration}, kSource);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(results_file + ": calls[0].seconds: is 0"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(calibration));
  std::filesystem::remove(results_file);
  std::filesystem::remove(plan_file);
}

}  // namespace
}  // namespace trainsim::testing
