// cluster.calibration: the shipped file chosen by GPU type (H800 and H100 share theirs), `none` for the
// roofline, a named file relative to the scenario, and each way a named file is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hardware/calibration.h"
#include "sim/scenario/scenario_loader.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::with;

// A one-point calibration of a GPU with `sm_count` SMs at `clock` (line 5 holds sm_count).
std::string calibration_text(int sm_count, const std::string& clock) {
  return "format: 1\n"
         "device:\n"
         "  gpu: h800\n"
         "  name: test GPU\n"
         "  sm_count: " + std::to_string(sm_count) + "\n"
         "  boost_clock: " + clock + "\n"
         "  driver: unknown\n"
         "  cuda: \"12.8\"\n"
         "source: {kind: kernels, description: a test, date: 2025-01-01}\n"
         "points:\n"
         "  - {op: norm, dtype: bf16, shape: {tokens: 4096, hidden: 7168}, time: 25 us}\n";
}

// A folder holding `s.yaml` (kValidScenario plus `cluster_line` at the end of cluster) and `files`.
std::string scenario_dir(const std::string& name, const std::string& cluster_line,
                         const std::vector<std::pair<std::string, std::string>>& files) {
  const std::string dir = ::testing::TempDir() + "trainsim-calibration-" + name;
  std::filesystem::create_directories(dir + "/cal");
  std::ofstream(dir + "/s.yaml") << kValidScenario << cluster_line << "\n";
  for (const auto& [file, text] : files) std::ofstream(dir + "/" + file) << text;
  return dir;
}

const char* calibration_file(const Scenario& s) { return s.cluster.calibration ? s.cluster.calibration->file.c_str() : "none"; }

TEST(ScenarioCalibration, ChosenByGpuTypeWhenNotNamed) {
  // Of the two H800 files, the trace of training's own kernels before the published table (FORMAT.md).
  EXPECT_STREQ(calibration_file(parse_scenario(kValidScenario, "s.yaml")), "hardware/calibration/h800-trace.yaml");
  // H100 SXM has H800's SMs and clock: it uses the H800 file.
  EXPECT_STREQ(calibration_file(parse_scenario(with("type: h800", "type: h100"), "s.yaml")),
               "hardware/calibration/h800-trace.yaml");
  // No shipped file for H200 (its HBM differs) or for an H800 with SMs fused off: the roofline.
  EXPECT_STREQ(calibration_file(parse_scenario(with("type: h800", "type: h200"), "s.yaml")), "none");
  EXPECT_STREQ(calibration_file(parse_scenario(with("hbm_capacity: 1 TiB", "hbm_capacity: 1 TiB, sm_count: 114"), "s.yaml")),
               "none");
}

TEST(ScenarioCalibration, NoneMeansTheRoofline) {
  const Scenario s = parse_scenario(std::string(kValidScenario) + "  calibration: none\n", "s.yaml");
  EXPECT_EQ(s.cluster.calibration, nullptr);
  EXPECT_EQ(s.where("cluster.calibration").line, 18);
}

TEST(ScenarioCalibration, ANamedFileIsReadFromTheScenariosFolder) {
  const std::string dir = scenario_dir("named", "  calibration: cal/mine.yaml", {{"cal/mine.yaml", calibration_text(132, "1980 MHz")}});
  const Scenario s = load_scenario(dir + "/s.yaml");
  ASSERT_NE(s.cluster.calibration, nullptr);
  EXPECT_EQ(s.cluster.calibration->file, dir + "/cal/mine.yaml");
  EXPECT_EQ(s.cluster.calibration->source.kind, hw::CalibrationSourceKind::kKernels);
}

TEST(ScenarioCalibration, AMissingFileIsRefusedAtTheKey) {
  EXPECT_NE(error_of(std::string(kValidScenario) + "  calibration: nowhere.yaml\n")
                .find("s.yaml:18:16: cluster.calibration: cannot read calibration file 'nowhere.yaml'"),
            std::string::npos);
}

TEST(ScenarioCalibration, AFileForAnotherGpuIsRefused) {
  const std::string dir = scenario_dir("a100", "  calibration: cal/a100.yaml", {{"cal/a100.yaml", calibration_text(108, "1410 MHz")}});
  try {
    load_scenario(dir + "/s.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("s.yaml:18:16: cluster.calibration: " + dir +
                                         "/cal/a100.yaml:5:13: device.sm_count: 108 SMs: measured on another GPU than "
                                         "the scenario's h800 (132 SMs)"),
              std::string::npos)
        << e.what();
  }
}

TEST(ScenarioCalibration, AClockOverrideMakesAnotherGpu) {
  const std::string dir = scenario_dir("clock", "  calibration: cal/h800.yaml", {{"cal/h800.yaml", calibration_text(132, "1980 MHz")}});
  std::ofstream(dir + "/s.yaml") << with("hbm_capacity: 1 TiB", "hbm_capacity: 1 TiB, boost_clock: 1755 MHz")
                                 << "  calibration: cal/h800.yaml\n";
  try {
    load_scenario(dir + "/s.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("device.boost_clock: 1.98 GHz: measured on another GPU than the scenario's h800 "
                                         "(boost clock 1.755 GHz)"),
              std::string::npos)
        << e.what();
  }
  // Not named, the overridden GPU gets no shipped file: the roofline.
  EXPECT_STREQ(calibration_file(parse_scenario(with("hbm_capacity: 1 TiB", "hbm_capacity: 1 TiB, boost_clock: 1755 MHz"),
                                               "s.yaml")),
               "none");
}

TEST(ScenarioCalibration, AMalformedFileIsRefusedWhereItIsWrong) {
  const std::string dir =
      scenario_dir("malformed", "  calibration: cal/bad.yaml",
                   {{"cal/bad.yaml", with("time: 25 us", "time: -25 us", calibration_text(132, "1980 MHz"))}});
  try {
    load_scenario(dir + "/s.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/cal/bad.yaml:11:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("points[0].time: is negative"), std::string::npos) << e.what();
  }
}

TEST(ScenarioCalibration, NotAText) {
  EXPECT_NE(error_of(std::string(kValidScenario) + "  calibration: [a, b]\n").find("s.yaml:18:16: cluster.calibration: is a list"),
            std::string::npos);
}

}  // namespace
}  // namespace trainsim::sim
