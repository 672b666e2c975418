// Every trace `trainsim run --trace` writes opens whole in Perfetto: no two slices of one thread overlap,
// for every shipped scenario at each fidelity that has a trace (stage and gpu).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

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

class TraceOverlap : public ::testing::TestWithParam<std::string> {};

TEST_P(TraceOverlap, NoSliceOverlapsAnotherOfItsThread) {
  const std::string dir = ::testing::TempDir() + "trainsim-traces-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  int scenarios = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TRAINSIM_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    ++scenarios;
    std::string scenario = entry.path().string();
    if (GetParam() == "gpu") {
      const std::string reduced = with_few_microbatches(read_text(entry.path()));
      ASSERT_FALSE(reduced.empty()) << entry.path() << ": no pp or dp to reduce the batch by";
      scenario = dir + "/" + entry.path().filename().string();
      std::ofstream(scenario, std::ios::binary) << reduced;
    }
    const std::string trace = dir + "/trace.json";
    const ProcessResult r =
        run_trainsim({"run", scenario, "--fidelity", GetParam(), "--trace", trace, "--json", "-o", dir + "/run.json"});
    ASSERT_EQ(r.exit_code, 0) << entry.path() << ": " << r.err;
    const TraceCheck check = check_trace_overlaps(read_text(trace));
    EXPECT_TRUE(check.error.empty()) << entry.path() << ": " << check.error;
    EXPECT_GT(check.slices, 1000) << entry.path() << ": a step has thousands of ops";
    EXPECT_EQ(check.overlap_count, 0) << entry.path() << " at " << GetParam() << ": " << describe(check);
  }
  EXPECT_GE(scenarios, 4);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(ShippedScenarios, TraceOverlap, ::testing::Values("stage", "gpu"));

}  // namespace
}  // namespace trainsim::testing
