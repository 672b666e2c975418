// `trainsim run` says which calibration the scenario chose, and choosing one changes no figure: the op-time
// model does not read the points yet (issue 13), so every op is still priced by the datasheet roofline.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

// The default scenario with its commented `calibration:` line set to `value`, written to a temporary folder.
std::string default_scenario_with_calibration(const std::string& name, const std::string& value) {
  std::ifstream in(kSource + "/scenarios/deepseek-v3-2048xh800.yaml", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string scenario = text.str();
  const std::string from = "  # calibration: none ";
  const size_t at = scenario.find(from);
  if (at == std::string::npos) throw std::logic_error("the default scenario has no commented calibration line");
  scenario.replace(at, from.size(), "  calibration: " + value + " ");
  const std::string dir = ::testing::TempDir() + "trainsim-calibration-cli";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary) << scenario;
  return dir + "/" + name;
}

TEST(CalibrationCli, NoneIsSaidAndPricesEveryFamilyByTheRoofline) {
  const std::string scenario = default_scenario_with_calibration("none.yaml", "none");
  const ProcessResult none = run_trainsim({"run", scenario, "--fidelity", "analytic", "--json"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  const ProcessResult shipped = run_trainsim({"run", kSource + "/scenarios/deepseek-v3-2048xh800.yaml", "--fidelity",
                                              "analytic", "--json"});
  ASSERT_EQ(shipped.exit_code, 0) << shipped.err;
  const nlohmann::json a = nlohmann::json::parse(none.out), b = nlohmann::json::parse(shipped.out);
  EXPECT_EQ(a["calibration"], (nlohmann::json{{"file", "none (datasheet roofline)"}, {"op_times_priced_by", "datasheet roofline"}}));
  EXPECT_EQ(b["calibration"]["file"], "hardware/calibration/h800-trace.yaml");
  EXPECT_EQ(b["calibration"]["source"], "trace");
  for (const auto& [family, pricing] : a["op_pricing"].items())
    EXPECT_EQ(pricing, (nlohmann::json{{"priced_by", "datasheet roofline"}})) << family;
  // The shipped trace's points price every compute family, so the step differs from the roofline's.
  for (const auto& [family, pricing] : b["op_pricing"].items()) {
    EXPECT_EQ(pricing["priced_by"], "calibration") << family;
    EXPECT_EQ(pricing["calibration"], "hardware/calibration/h800-trace.yaml") << family;
  }
  EXPECT_NE(a["step"]["compute_s"], b["step"]["compute_s"]);
  const ProcessResult text = run_trainsim({"run", scenario, "--fidelity", "analytic"});
  EXPECT_NE(text.out.find("\n  calibration none: op times from the datasheet roofline at assumed efficiencies, no "
                          "measurement"),
            std::string::npos)
      << text.out;
}

TEST(CalibrationCli, AFileForAnotherGpuExitsTwoAtTheKey) {
  const std::string scenario = default_scenario_with_calibration("other-gpu.yaml", "a100.yaml");
  std::ofstream(std::filesystem::path(scenario).parent_path() / "a100.yaml")
      << "format: 1\ndevice: {gpu: a100, name: A100, sm_count: 108, boost_clock: 1410 MHz, driver: unknown, cuda: \"12.8\"}\n"
         "source: {kind: kernels, description: a test, date: 2025-01-01}\n"
         "points: [{op: norm, dtype: bf16, shape: {tokens: 4096}, time: 25 us}]\n";
  const ProcessResult result = run_trainsim({"run", scenario});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("trainsim: error: " + scenario + ":41:16: cluster.calibration: ", 0), 0u) << result.err;
  EXPECT_NE(result.err.find("108 SMs: measured on another GPU than the scenario's h800 (132 SMs)"), std::string::npos)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
}

}  // namespace
}  // namespace trainsim::testing
