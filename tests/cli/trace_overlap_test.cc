// Every trace `trainsim run --trace` writes opens whole in Perfetto: no two slices of one thread overlap,
// for every shipped scenario at each fidelity that has a trace (stage and gpu: this file is built once per
// fidelity, TRAINSIM_TRACE_FIDELITY, so that the long gpu-fidelity runs carry their own ctest label).
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "run_trainsim.h"
#include "trace_overlaps.h"

namespace trainsim::testing {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

long long integer_field(const std::string& text, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex("\n  " + key + ":[ ]*([0-9]+)"))) return -1;
  return std::stoll(match[1]);
}

// The scenario with its global batch cut to 2 x pp micro-batches per pipeline and no batch ramp: the same
// model, layout, cluster and ops, so the same kinds of slices and concurrent flows, at a gpu-fidelity cost
// CI can pay (the full DeepSeek-V3 step simulates every GPU of a replica over 120 micro-batches: minutes).
std::string with_few_microbatches(const std::string& text) {
  const long long dp = integer_field(text, "dp"), pp = integer_field(text, "pp");
  const long long micro_batch = std::max(1LL, integer_field(text, "micro_batch_size"));
  if (dp <= 0 || pp <= 0) return {};
  std::istringstream in(text);
  std::string out;
  int ramp_indent = -1;
  for (std::string line; std::getline(in, line);) {
    const int indent = static_cast<int>(line.find_first_not_of(' '));
    if (ramp_indent >= 0 && indent > ramp_indent) continue;  // inside batch_ramp
    ramp_indent = -1;
    if (line.find("batch_ramp:") != std::string::npos) {
      if (line.find('{') == std::string::npos) ramp_indent = indent;
      continue;
    }
    if (line.find("global_batch:") != std::string::npos)
      line = line.substr(0, line.find(':') + 1) + " " + std::to_string(dp * micro_batch * 2 * pp);
    out += line + "\n";
  }
  return out;
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TRAINSIM_SOURCE_DIR) + "/scenarios"))
    // A *-whole-run scenario is another shipped one with training.phases added: its traced main step is that
    // one's, already traced (a phase's step is traced by no command).
    if (entry.path().extension() == ".yaml" && !entry.path().stem().string().ends_with("-whole-run"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// One test per scenario, so that ctest runs them side by side.
class TraceOverlap : public ::testing::TestWithParam<std::string> {};

TEST_P(TraceOverlap, NoSliceOverlapsAnotherOfItsThread) {
  const std::string name = GetParam(), fidelity = TRAINSIM_TRACE_FIDELITY;
  EXPECT_GE(shipped_scenarios().size(), 4u);  // the four in scenarios/ when this test was written: none missed
  const std::filesystem::path shipped = std::filesystem::path(TRAINSIM_SOURCE_DIR) / "scenarios" / name;
  const std::string dir = ::testing::TempDir() + "trainsim-traces-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string scenario = shipped.string();
  if (fidelity == "gpu") {
    const std::string reduced = with_few_microbatches(read_text(shipped));
    ASSERT_FALSE(reduced.empty()) << shipped << ": no pp or dp to reduce the batch by";
    scenario = dir + "/" + name;
    std::ofstream(scenario, std::ios::binary) << reduced;
  }
  const std::string trace = dir + "/trace.json";
  const ProcessResult r =
      run_trainsim({"run", scenario, "--fidelity", fidelity, "--trace", trace, "--json", "-o", dir + "/run.json"});
  ASSERT_EQ(r.exit_code, 0) << shipped << ": " << r.err;
  const TraceCheck check = check_trace_overlaps(read_text(trace));
  EXPECT_TRUE(check.error.empty()) << shipped << ": " << check.error;
  EXPECT_GT(check.slices, 1000) << shipped << ": a step has thousands of ops";
  EXPECT_EQ(check.overlap_count, 0) << shipped << " at " << fidelity << ": " << describe(check);
  std::filesystem::remove_all(dir);
}

std::string test_name(const ::testing::TestParamInfo<TraceOverlap::ParamType>& info) {
  std::string name = info.param + "_at_" + TRAINSIM_TRACE_FIDELITY;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(ShippedScenarios, TraceOverlap,
                         ::testing::ValuesIn(shipped_scenarios()), test_name);

}  // namespace
}  // namespace trainsim::testing
