// Inputs that parse but make no sense, through the binary: the cases users reported each end with exit 2
// and one "trainsim: error:" line (no inf, no 300-digit step, no SimGrid backtrace), as do FP8 on an A100
// and oversize input files, which fail at once.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

// A folder of this process alone: suites of other checkouts may run beside this one.
std::string temp_dir() {
  const std::string dir = ::testing::TempDir() + "trainsim-inputs-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

// The default scenario with the first `from` replaced by `to`, written to the temp folder.
std::string scenario_with(const std::string& from, const std::string& to, const std::string& name = "s.yaml") {
  std::ifstream in(kSource + "/scenarios/deepseek-v3-2048xh800.yaml", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  const std::string path = temp_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << s;
  return path;
}

void expect_one_error_line(const ProcessResult& r, const std::string& part) {
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("trainsim: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(InputRangesCli, TheReportedCasesEachEndWithOneErrorLine) {
  // Each at the default (stage) fidelity, where the NVLink latency once reached SimGrid.
  expect_one_error_line(run_trainsim({"run", scenario_with("tokens: 14.8T", "tokens: 1e300T")}),
                        "training.tokens: '1e300T' is too large a number");
  expect_one_error_line(run_trainsim({"run", scenario_with("nic_bandwidth: 50 GB/s", "nic_bandwidth: 1e-300 GB/s")}),
                        "cluster.nic_bandwidth: '1e-300 GB/s' is out of range (expected a bandwidth from 1 MB/s to 1 PB/s)");
  expect_one_error_line(run_trainsim({"run", scenario_with("nvlink_latency: 3.33 us", "nvlink_latency: 1e300 d")}),
                        "cluster.nvlink_latency: '1e300 d' is out of range (expected a time from 0 s to 1 s)");
}

TEST(InputRangesCli, Fp8OnAnA100NamesBf16) {
  expect_one_error_line(run_trainsim({"run", scenario_with("gpu: h800", "gpu: a100"), "--fidelity", "analytic"}),
                        "training.precision: fp8 on a GPU without FP8 tensor cores (a100) (expected bf16 on this GPU); "
                        "hint: precision: bf16 (the A100 has no FP8 tensor cores)");
}

TEST(InputRangesCli, AnOversizeScenarioFailsAtOnce) {
  const std::string path = temp_dir() + "/big.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << "layers_per_stage: [";
    for (int i = 0; i < 700'000; ++i) out << "1, ";  // 2.1 MB: the shape of the 10 MB list users sent
    out << "1]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = run_trainsim({"run", path});
  expect_one_error_line(r, "over the limit of 1 MiB");
  // Checked before parsing: well within the time the binary takes to start (the 10 MB list took 15 s).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(InputRangesCli, AnOversizeHuggingFaceConfigFailsAtOnce) {
  const std::string dir = temp_dir();
  {
    std::ofstream out(dir + "/huge.json", std::ios::binary);
    out << "{\"architectures\": [\"x\"], \"pad\": \"" << std::string(2 << 20, 'x') << "\"}\n";
  }
  const std::string scenario = scenario_with("  preset: deepseek-v3", "  config: huge.json", "hf.yaml");
  expect_one_error_line(run_trainsim({"run", scenario, "--fidelity", "analytic"}),
                        "model.config: the HuggingFace config '" + dir + "/huge.json' is 2 MiB");
}

}  // namespace
}  // namespace trainsim::testing
