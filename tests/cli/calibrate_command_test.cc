// `trainsim calibrate --from-trace` end to end: the small test trace's table and JSON (sums worked by hand in
// tests/hardware/trace_summary_test.cc), its unplaced kernels, a bad trace exiting 2 with its location, and
// -o writing a calibration file: whole or not at all, and the shipped h800-trace.yaml being what it makes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const std::string kSmallTrace = "tests/hardware/data/small_kineto_trace.json";

TEST(CalibrateCommand, PrintsKindsBlocksAndUnplacedKernels) {
  const ProcessResult r = run_trainsim({"calibrate", "--from-trace", kSmallTrace}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("device NVIDIA H800 (132 SMs); 12 GPU activities"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("With --scenario S -o FILE these kernels are written as a calibration file"), std::string::npos);
  EXPECT_NE(r.out.find("Kernel time by op kind"), std::string::npos);
  EXPECT_NE(r.out.find("Unplaced kernels\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mystery_kernel"), std::string::npos);
  EXPECT_NE(r.out.find("no row of the kernel table matches its name"), std::string::npos);
}

TEST(CalibrateCommand, JsonHoldsTheSameSums) {
  const ProcessResult r = run_trainsim({"calibrate", "--from-trace", kSmallTrace, "--json"}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kernels"], 12);
  EXPECT_NEAR(j["by_kind"]["attention_core"]["B"]["seconds"].get<double>(), 120e-6, 1e-12);
  EXPECT_NEAR(j["by_block"]["mlp"]["F"]["seconds"].get<double>(), 53e-6, 1e-12);
  EXPECT_NEAR(j["by_block"]["mlp"]["F"]["kinds"]["expert_gemm"]["seconds"].get<double>(), 40e-6, 1e-12);
  EXPECT_EQ(j["unplaced"].size(), 3u);
}

TEST(CalibrateCommand, HelpSaysItWritesCalibrationsAndBadTracesExitTwo) {
  const ProcessResult help = run_trainsim({"calibrate", "--help"}, kSource);
  EXPECT_NE(help.out.find("With --scenario and -o, write them as a calibration file"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("-o,--output"), std::string::npos) << help.out;
  const ProcessResult bad = run_trainsim({"calibrate", "--from-trace", "scenarios/deepseek-v3-2048xh800.yaml"}, kSource);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("trainsim: error: scenarios/deepseek-v3-2048xh800.yaml:1:"), std::string::npos) << bad.err;
  const ProcessResult missing = run_trainsim({"calibrate"}, kSource);
  EXPECT_EQ(missing.exit_code, 2);
}

// --compare prices the pair with a scenario: without one it is an input error (exit 2) and writes nothing.
TEST(CalibrateCommand, CompareNeedsAScenarioAndWritesTheReport) {
  const std::string report = ::testing::TempDir() + "calibration-compare-" + std::to_string(::getpid()) + ".md";
  const ProcessResult refused = run_trainsim({"calibrate", "--from-trace", kSmallTrace, "--compare", report}, kSource);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("--scenario FILE"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(report));
  const ProcessResult written = run_trainsim({"calibrate", "--from-trace", kSmallTrace, "--scenario",
                                              "scenarios/deepseek-v3-2048xh800.yaml", "--compare", report},
                                             kSource);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  std::ifstream in(report);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("# trainsim against", 0), 0u) << first;
  std::filesystem::remove(report);
}

// -o needs the scenario whose catalog gives the shapes: without it, or with a bad trace, exit 2 and no file.
TEST(CalibrateCommand, WritingNeedsAScenarioAndWritesNothingOnError) {
  const std::string out = temp_path("calibration-refused") + ".yaml";
  const ProcessResult refused = run_trainsim({"calibrate", "--from-trace", kSmallTrace, "-o", out}, kSource);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("trainsim: error: -o: a calibration needs the scenario"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--scenario FILE"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  const ProcessResult bad = run_trainsim({"calibrate", "--from-trace", "scenarios/deepseek-v3-2048xh800.yaml",
                                          "--scenario", "scenarios/deepseek-v3-2048xh800.yaml", "-o", out},
                                         kSource);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  const ProcessResult bad_date = run_trainsim({"calibrate", "--from-trace", kSmallTrace, "--scenario",
                                               "scenarios/deepseek-v3-2048xh800.yaml", "-o", out, "--trace-date",
                                               "27.2.2025"},
                                              kSource);
  EXPECT_EQ(bad_date.exit_code, 2) << bad_date.err;
  EXPECT_NE(bad_date.err.find("source.date: '27.2.2025' is not a date"), std::string::npos) << bad_date.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// The shipped file is exactly what the documented command makes from the shipped trace and scenario (the header
// names the output file, so the temporary name is put back), so it cannot go stale unnoticed.
TEST(CalibrateCommand, ShippedTraceCalibrationIsWhatTheCommandMakes) {
  const std::string shipped = "hardware/calibration/h800-trace.yaml";
  const std::string out = temp_path("h800-trace") + ".yaml";
  const ProcessResult r = run_trainsim({"calibrate", "--from-trace", "hardware/calibration/traces/deepseek-v3-h800-train.json",
                                        "--scenario", "scenarios/deepseek-v3-2048xh800.yaml", "-o", out},
                                       kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Calibration written to " + out), std::string::npos) << r.out;
  std::string made = file_text(out);
  const std::string header_out = "-o " + out + "\n";
  const size_t at = made.find(header_out);
  ASSERT_NE(at, std::string::npos);
  made.replace(at, header_out.size(), "-o " + shipped + "\n");
  EXPECT_EQ(made, file_text(kSource + "/" + shipped))
      << "regenerate it: trainsim calibrate --from-trace hardware/calibration/traces/deepseek-v3-h800-train.json "
         "--scenario scenarios/deepseek-v3-2048xh800.yaml -o " << shipped;
  std::filesystem::remove(out);
}

}  // namespace
}  // namespace trainsim::testing
