// No crash and no partial output on any input: hundreds of seeded mutations and truncations of the shipped
// scenarios each end with exit 0, or exit 2 and one "trainsim: error:" line; never a signal.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

constexpr int kMutationsPerScenario = 100;

// Values that stress every field kind: wrong types, bad units, extremes, empty, YAML structure.
const std::vector<std::string> kReplacements{
    "",          "0",          "-1",         "1e999",     "nan",     "abc",          "[1, 2]", "{a: 1}",
    "400",       "3 GB/s",     "2 us",       "99999999999999999999", "0.5", "true", "\"\"",   "$",
    "80 GiB",    "dualpipe",   "~",          "'",         "&a",      "*a",           "!!binary x", "- 1"};

std::string mutate(const std::string& text, std::mt19937_64& rng) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::string out;
  switch (rng() % 6) {
    case 0:  // truncate at a random byte
      return text.substr(0, pick(text.size()));
    case 1:  // drop a line
      lines.erase(lines.begin() + static_cast<long>(pick(lines.size())));
      break;
    case 2: {  // replace a value
      std::string& line = lines[pick(lines.size())];
      const size_t colon = line.find(':');
      if (colon != std::string::npos) line = line.substr(0, colon + 1) + " " + kReplacements[pick(kReplacements.size())];
      break;
    }
    case 3:  // duplicate a line elsewhere
      lines.insert(lines.begin() + static_cast<long>(pick(lines.size())), lines[pick(lines.size())]);
      break;
    case 4: {  // flip a random byte
      std::string flipped = text;
      flipped[pick(flipped.size())] = static_cast<char>(rng() % 256);
      return flipped;
    }
    default: {  // re-indent a line
      std::string& line = lines[pick(lines.size())];
      line = (rng() % 2 ? "  " : "") + line.substr(line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' '));
      break;
    }
  }
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST(ScenarioMutation, EveryMutantEndsWithZeroOrTwoAndAMessage) {
  // A folder of this process alone: suites of other checkouts may run beside this one.
  const std::string dir = ::testing::TempDir() + "trainsim-mutants-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(20261123);
  int accepted = 0, rejected = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TRAINSIM_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream original;
    original << in.rdbuf();
    for (int i = 0; i < kMutationsPerScenario; ++i) {
      const std::string path = dir + "/mutant.yaml", output = dir + "/out.json";
      const std::string text = mutate(original.str(), rng);
      std::ofstream(path, std::ios::binary) << text;
      std::filesystem::remove(output);
      // Every tenth mutant runs the event engine too (stage fidelity, about 0.3 s each); the others stop at
      // the closed form, which reads every field the engine does.
      const char* fidelity = i % 10 == 0 ? "stage" : "analytic";
      const ProcessResult r = run_trainsim({"run", path, "--fidelity", fidelity, "--json", "-o", output});
      ASSERT_EQ(r.signal, 0) << "signal " << r.signal << " on:\n" << text << "\n" << r.err;
      ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 2) << "exit " << r.exit_code << " on:\n" << text << "\n" << r.err;
      if (r.exit_code == 0) {
        ++accepted;
        EXPECT_TRUE(std::filesystem::exists(output));
      } else {
        ++rejected;
        EXPECT_EQ(r.err.rfind("trainsim: error: ", 0), 0u) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_FALSE(std::filesystem::exists(output)) << "partial output on:\n" << text;
      }
    }
  }
  EXPECT_GT(rejected, 100);  // the mutations do reach the checks
  RecordProperty("accepted", accepted);
  RecordProperty("rejected", rejected);
}

}  // namespace
}  // namespace trainsim::testing
