// No crash and no partial output on any input: hundreds of seeded mutations and truncations of the shipped
// scenarios, and of the HuggingFace configs of models/presets read through `model: {config: ...}`, each end
// with exit 0, or exit 2 and one "trainsim: error:" line; never a signal, a second line on stderr (a
// backtrace), an internal error, or an "inf" or "nan" figure in the report or the JSON.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>

#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

constexpr int kMutationsPerScenario = 100;
constexpr int kConfigMutationsPerPreset = 20;

// Values that stress every field kind: wrong types, bad units, extremes, empty, YAML structure.
const std::vector<std::string> kReplacements{
    "",          "0",          "-1",         "1e999",     "nan",     "abc",          "[1, 2]", "{a: 1}",
    "400",       "3 GB/s",     "2 us",       "99999999999999999999", "0.5", "true", "\"\"",   "$",
    "80 GiB",    "dualpipe",   "~",          "'",         "&a",      "*a",           "!!binary x", "- 1",
    // Numbers that parse but make no sense (trainsim issue 14): each must be refused by its range.
    "1e300T",    "1e-300 GB/s", "1e300 d",   "-0",        "inf",     "1e308",        "-inf",   "1e-300",
    "1e300 TB/s", "1e300 TFLOP/s", "$1e300/h", "1e-300 s"};

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

// "inf" or "nan" as a figure, outside the user's own text that an error message quotes ('1e300T').
bool has_non_finite_figure(const std::string& text) {
  static const std::regex quoted("'[^'\n]*'");
  static const std::regex figure("(^|[^A-Za-z_])-?(inf|nan)($|[^A-Za-z_])", std::regex::icase);
  return std::regex_search(std::regex_replace(text, quoted, "''"), figure);
}

// One run's promises: exit 0 with its output, or exit 2 (bad input) or 1 (a file it cannot write) with one
// "trainsim: error:" line and no output; no signal, no internal error, no non-finite figure anywhere.
void expect_clean_ending(const ProcessResult& r, const std::string& output, const std::string& input, int& accepted,
                         int& rejected) {
  ASSERT_EQ(r.signal, 0) << "signal " << r.signal << " on:\n" << input << "\n" << r.err;
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 2) << "exit " << r.exit_code << " on:\n" << input << "\n" << r.err;
  EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err << " on:\n" << input;
  EXPECT_FALSE(has_non_finite_figure(r.out)) << r.out;
  EXPECT_FALSE(has_non_finite_figure(r.err)) << r.err;
  if (r.exit_code == 0) {
    ++accepted;
    ASSERT_TRUE(std::filesystem::exists(output));
    std::ifstream in(output, std::ios::binary);
    std::ostringstream json;
    json << in.rdbuf();
    EXPECT_FALSE(has_non_finite_figure(json.str())) << "on:\n" << input;
    // nlohmann writes a non-finite double as null: no figure may be null.
    EXPECT_EQ(json.str().find("null"), std::string::npos) << "on:\n" << input;
  } else {
    ++rejected;
    EXPECT_EQ(r.err.rfind("trainsim: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(output)) << "partial output on:\n" << input;
  }
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
      // the closed form, which reads every field the engine does. The engine runs the mutant's main step alone:
      // the ramp's batches and the phases would each add a simulation (minutes under ASan), and the goldens
      // simulate those of every shipped scenario.
      const bool engine = i % 10 == 0;
      std::vector<std::string> args{"run", path, "--fidelity", engine ? "stage" : "analytic", "--json", "-o", output};
      if (engine) args.insert(args.end(), {"--set", "training.batch_ramp=null", "--set", "training.phases=[]"});
      const ProcessResult r = run_trainsim(args);
      expect_clean_ending(r, output, text, accepted, rejected);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(rejected, 100);  // the mutations do reach the checks
  RecordProperty("accepted", accepted);
  RecordProperty("rejected", rejected);
}

// JSON values that parse but make no sense as a model's dimension or flag.
const std::vector<std::string> kJsonReplacements{"0",     "-1",   "-0",    "1e300", "1e308", "1e-300",       "2147483648",
                                                  "1e15",  "0.5",  "null",  "true",  "\"x\"", "[]", "{}",
                                                  "99999999999999999999"};

// One mutation of a HuggingFace config.json: a field set to a strange value or dropped, the text cut short,
// or a byte flipped.
std::string mutate_json(const std::string& text, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  nlohmann::ordered_json config = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& [key, value] : config.items()) keys.push_back(key);
  const std::string& key = keys[pick(keys.size())];
  switch (rng() % 8) {
    case 0: return text.substr(0, pick(text.size()));
    case 1: {
      std::string flipped = text;
      flipped[pick(flipped.size())] = static_cast<char>(rng() % 256);
      return flipped;
    }
    case 2: config.erase(key); break;
    default: {
      const std::string& value = kJsonReplacements[pick(kJsonReplacements.size())];
      config[key] = nlohmann::ordered_json::parse(value, nullptr, false);  // 99999...: a double, as JSON reads it
      break;
    }
  }
  return config.dump(2);
}

// Any model on one node: no pipeline, no expert or tensor split, memory to spare, so that the config's own
// numbers, not the layout rules, decide how far a run gets.
constexpr const char* kConfigScenario =
    "model:\n"
    "  config: mutant.json\n"
    "training: {sequence_length: 4096, global_batch: 64, tokens: 1B, precision: bf16}\n"
    "parallelism: {pp: 1, dp: 8, micro_batch_size: 1}\n"
    "cluster:\n"
    "  gpu: {type: h800, hbm_capacity: 64 TiB}\n"
    "  nodes: 1\n";

TEST(ScenarioMutation, EveryMutantHuggingFaceConfigEndsCleanly) {
  const std::string dir = ::testing::TempDir() + "trainsim-config-mutants-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/scenario.yaml", std::ios::binary) << kConfigScenario;
  std::mt19937_64 rng(20261202);
  int accepted = 0, rejected = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TRAINSIM_SOURCE_DIR) + "/models/presets")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream original;
    original << in.rdbuf();
    // The unmutated config runs: the mutants start from a scenario that works.
    std::ofstream(dir + "/mutant.json", std::ios::binary) << original.str();
    const ProcessResult plain = run_trainsim({"run", dir + "/scenario.yaml", "--fidelity", "analytic"});
    ASSERT_EQ(plain.exit_code, 0) << entry.path() << ": " << plain.err;
    for (int i = 0; i < kConfigMutationsPerPreset; ++i) {
      const std::string text = mutate_json(original.str(), rng), output = dir + "/out.json";
      std::ofstream(dir + "/mutant.json", std::ios::binary) << text;
      std::filesystem::remove(output);
      const ProcessResult r =
          run_trainsim({"run", dir + "/scenario.yaml", "--fidelity", "analytic", "--json", "-o", output});
      expect_clean_ending(r, output, entry.path().filename().string() + ":\n" + text, accepted, rejected);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(rejected, 20);  // the mutations do reach the checks
  RecordProperty("accepted", accepted);
  RecordProperty("rejected", rejected);
}

}  // namespace
}  // namespace trainsim::testing
