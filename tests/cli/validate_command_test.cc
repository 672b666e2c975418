// `trainsim validate` (issue 19's loop) on the host, as CI runs it: one short round of the loop on this machine's CPU
// prices every op of the reduced model's step from its own points (an op without one would stop it), compares every
// compute kind the model runs, and composes the step as the law of a one-device step says; and the scenarios it
// cannot run are refused with the key to change.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const std::string kHostScenario = "scenarios/validation/reduced-deepseek-v3-cpu.yaml";

struct ReportRow {
  double predicted_ms = 0, cold_ms = 0, measured_ms = 0;
};

// "| expert_gemm | 33.64 | 35.10 | 31.60 | +6.5% | within | no |"
std::map<std::string, ReportRow> rows_of(const std::string& report) {
  std::map<std::string, ReportRow> rows;
  const std::regex row(
      R"(\| ([a-z_]+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \| [-+][0-9.]+% \| (within|misses) \| (yes|no) \|)");
  for (auto it = std::sregex_iterator(report.begin(), report.end(), row); it != std::sregex_iterator(); ++it)
    rows[(*it)[1]] = ReportRow{std::stod((*it)[2]), std::stod((*it)[3]), std::stod((*it)[4])};
  return rows;
}

TEST(ValidateCommand, TheHostLoopPricesEveryOpAndComparesEveryKindTheModelRuns) {
  const std::string out = temp_path("validation-cpu.md"), traces = temp_path("validation-traces");
  const std::string calibration = temp_path("host-calibration.yaml");
  const ProcessResult r = run_trainsim({"validate", kHostScenario, "--quick", "--rounds", "1", "--steps", "1", "-o", out,
                                        "--traces", traces, "--calibration-out", calibration},
                                       kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The calibration it predicted with, kept as a file: `trainsim run` with it gives the same balanced step, to the
  // report's hundredth of a millisecond (the same points through the same pricing; the file keeps every time exactly).
  const ProcessResult run =
      run_trainsim({"run", kHostScenario, "--set", "cluster.calibration=" + calibration, "--json"}, kSource);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const double run_step_ms = 1e3 * nlohmann::json::parse(run.out).at("step").at("time_s").get<double>();
  // The measured step op by op and the simulated one, each a Chrome trace with complete events.
  for (const char* file : {"/measured-step.json", "/predicted-step.json"}) {
    const nlohmann::json trace = nlohmann::json::parse(file_text(traces + file));
    int complete = 0;
    for (const nlohmann::json& event : trace.at("traceEvents")) complete += event.value("ph", "") == "X";
    EXPECT_GT(complete, 0) << file;
  }
  const std::string report = file_text(out);
  const std::map<std::string, ReportRow> rows = rows_of(report);
  // The kinds of the reduced model's BF16 step (kernels/model/op_timer.h): no FP8 casts at BF16.
  double kinds_predicted_ms = 0, kinds_cold_ms = 0;
  for (const char* kind : {"attention_core", "projection", "mlp_gemm", "expert_gemm", "router", "permute",
                           "norm_elementwise", "embedding_head"}) {
    ASSERT_TRUE(rows.count(kind)) << kind << " missing from:\n" << report;
    EXPECT_GT(rows.at(kind).predicted_ms, 0) << kind;  // the catalog has the kind's ops, each priced by a point
    EXPECT_GT(rows.at(kind).cold_ms, 0) << kind;
    EXPECT_GT(rows.at(kind).measured_ms, 0) << kind;   // the model runs them
    kinds_predicted_ms += rows.at(kind).predicted_ms;
    kinds_cold_ms += rows.at(kind).cold_ms;
  }
  EXPECT_EQ(rows.count("quantize"), 0u) << report;
  // Each kind's forward and backward apart sum to the kind: every op of every layer on the device, counted once.
  const std::regex pass_row(R"(\| ([a-z_]+) \| ([0-9.]+) \| [0-9.]+ \| [-+][0-9.]+% \| ([0-9.]+) \| [0-9.]+ \| [-+][0-9.]+% \|)");
  int pass_rows = 0;
  for (auto it = std::sregex_iterator(report.begin(), report.end(), pass_row); it != std::sregex_iterator(); ++it) {
    const std::string kind = (*it)[1];
    ASSERT_TRUE(rows.count(kind)) << kind;
    EXPECT_NEAR(std::stod((*it)[2]) + std::stod((*it)[3]), rows.at(kind).predicted_ms, 0.011) << kind;
    ++pass_rows;
  }
  EXPECT_EQ(pass_rows, 8) << report;
  ASSERT_TRUE(rows.count("compute") && rows.count("optimizer") && rows.count("step")) << report;
  EXPECT_GT(rows.at("optimizer").predicted_ms, 0);
  // One device, one micro-batch, no communication: no bubble and nothing exposed, so the step is its compute plus
  // its optimizer; each printed figure is rounded to 0.005 ms, so the sums agree to a hundredth per term.
  EXPECT_NEAR(rows.at("compute").predicted_ms, kinds_predicted_ms, 0.01 * 8);
  EXPECT_NEAR(rows.at("step").predicted_ms, rows.at("compute").predicted_ms + rows.at("optimizer").predicted_ms, 0.02);
  // `run` prices balanced routing; the report prices each step read at the model's own routing and gives the
  // balanced prediction beside it, which is run's step.
  std::smatch balanced;
  const std::regex balanced_step(R"(the warm prediction is ([0-9.]+) ms a step \(expert_gemm)");
  ASSERT_TRUE(std::regex_search(report, balanced, balanced_step))
      << report;
  EXPECT_NEAR(run_step_ms, std::stod(balanced[1]), 0.005);
  EXPECT_NEAR(rows.at("compute").cold_ms, kinds_cold_ms, 0.01 * 8);
  EXPECT_NEAR(rows.at("step").cold_ms, rows.at("compute").cold_ms + rows.at("optimizer").cold_ms, 0.02);
  EXPECT_NE(report.find("the host"), std::string::npos) << report;
}

TEST(ValidateCommand, WithoutAReportFileASummaryGoesToStandardOutput) {
  const ProcessResult r = run_trainsim({"validate", kHostScenario, "--quick", "--rounds", "1", "--steps", "1"}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("step predicted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expert_gemm"), std::string::npos) << r.out;
}

TEST(ValidateCommand, RefusesWhatTheHostLoopCannotRunNamingTheKey) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"validate", kHostScenario, "--set", "cluster.gpu=h800"}, "cluster.gpu"},
      {{"validate", kHostScenario, "--set", "parallelism.micro_batch_size=2"}, "micro_batch_size"},
      {{"validate", kHostScenario, "--set", "training.precision=fp16"}, "training.precision"},
      {{"validate", kHostScenario, "--set", "cluster.nodes=2"}, "parallelism"},
  };
  for (const auto& [args, key] : cases) {
    const ProcessResult r = run_trainsim(args, kSource);
    EXPECT_EQ(r.exit_code, 2) << args.back() << "\n" << r.err;
    EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
  }
  // A refused scenario leaves nothing behind: no traces folder, no calibration file.
  const std::string traces = temp_path("refused-traces"), calibration = temp_path("refused-calibration.yaml");
  const ProcessResult r = run_trainsim({"validate", kHostScenario, "--set", "parallelism.micro_batch_size=2",
                                        "--traces", traces, "--calibration-out", calibration},
                                       kSource);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(std::filesystem::exists(traces));
  EXPECT_FALSE(std::filesystem::exists(calibration));
}

TEST(ValidateCommand, RunRefusesTheHostWithoutACalibrationMeasuredOnIt) {
  const ProcessResult r = run_trainsim({"run", kHostScenario}, kSource);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find(kHostScenario + ":"), std::string::npos) << r.err;  // the file and line of cluster.gpu
  EXPECT_NE(r.err.find("cluster.gpu: the host has no datasheet"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("trainsim validate"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace trainsim::testing
