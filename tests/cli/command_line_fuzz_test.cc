// Random command lines seeded sequences of subcommands, their flags, flag values (valid,
// mangled, with units, empty, huge, negative) and random words. Every run must end with exit 0, 1 or 2, never a
// signal, and a failure prints one line on stderr, plus for a command-line error the one --help pointer line.
// Only fast commands run (run at analytic fidelity; no bench), each in a fresh temporary working directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

struct Flag {
  std::string name;
  std::vector<std::string> values;  // empty: a flag without a value
};

struct Command {
  std::string name;
  std::vector<Flag> flags;
  std::vector<std::string> positionals;
};

const std::vector<std::string> kScenarios{kSource + "/scenarios/deepseek-v3-2048xh800.yaml",
                                          kSource + "/scenarios/llama-3.1-405b-16384xh100.yaml", "missing.yaml", "-", ""};
const std::vector<std::string> kCounts{"1", "2", "4", "8", "16", "0", "-1", "-8", "", "4x", "1e3", "99999999999999",
                                       "2147483648", "3.5", "four", "100000"};
const std::vector<std::string> kTimes{"1ms", "2 ms", "0.002", "5us", "3 GB", "1mss", "", "-1", "-5ms", "1e308", "nan",
                                      "inf", "0", "1e-300", "ms", "1 parsec"};
const std::vector<std::string> kSets{"parallelism.pp=8", "parallelism.pp=0", "parallelism.pp=", "parallelism.ppp=4",
                                     "cluster.gpu=h100", "cluster.gpu={type: h100, hbm_capacity: 96 GiB}",
                                     "cluster.gpu.hbm_capacity=1 GiB", "cluster.nodes=99999999999", "cluster.nodes=-3",
                                     "training.global_batch=7", "=", "a..b=1", "parallelism.pp=[", "model=llama-3.1-8b",
                                     "parallelism.recompute=full", "seed=-1", "cluster.gpus=512", "parallelism",
                                     "training.tokens=1e400", "model.config=missing.json"};
const std::vector<std::string> kWords{"", "-", "--", "x", "run", "--help", "-o", "out.txt", "\xff\xfe", "a=b",
                                      "--fidelity=analytic", "--set", "%s%n", std::string(5000, 'a'), "..", "."};

std::vector<Command> commands() {
  const Flag set{"--set", kSets};
  return {
      {"run",
       {{"--fidelity", {"analytic", "fast", "", "ANALYTIC"}}, {"--json", {}}, {"-o", {"out.txt", "", "sub/out.txt"}},
        {"--trace", {"t.json", ""}}, set},
       kScenarios},
      {"models", {{"--json", {}}, {"--sequence-length", kCounts}}, {}},
      {"gpus", {{"--json", {}}}, {}},
      {"validate-scenario", {set}, kScenarios},
      {"ops", {{"--json", {}}, {"-o", {"ops.txt", "", "sub/ops.txt"}}, set}, kScenarios},
      {"schedule",
       {{"--kind", {"dualpipe", "1f1b", "gpipe", "interleaved", "zb1p", "dualpipev", "dualpip", ""}},
        {"--pp", kCounts},
        {"--microbatches", kCounts},
        {"--virtual-stages", kCounts},
        {"--f", kTimes},
        {"--b", kTimes},
        {"--w", kTimes},
        {"--fb", kTimes},
        {"--p2p-latency", kTimes},
        {"--json", {}},
        {"--order", {}},
        {"--svg", {"s.svg", ""}},
        {"--trace", {"s.json", ""}},
        {"--scenario", kScenarios},
        set},
       {}},
      {"calibrate",
       {{"--from-trace", {"missing.json", "", "-"}},
        {"--device", {}},
        {"--plan", {"plan.json", ""}},
        {"--from-kernels", {"missing.json", ""}},
        {"--scenario", kScenarios},
        {"--json", {}},
        {"-o", {"cal.yaml", ""}},
        {"--chunk-layers", kCounts},
        set},
       {}},
      {"completion", {}, {"bash", "zsh", "fish", ""}},
  };
}

std::vector<std::string> random_command_line(std::mt19937& rng, const std::vector<Command>& all) {
  auto pick = [&](const auto& list) -> const auto& { return list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(rng)]; };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  std::vector<std::string> args;
  if (chance(0.05)) args.push_back(pick(kWords));  // before the command
  const Command& command = pick(all);
  std::string name = command.name;
  if (chance(0.08)) name.insert(std::uniform_int_distribution<size_t>(0, name.size())(rng), 1, 'x');  // a typo
  args.push_back(name);
  const int items = std::uniform_int_distribution<int>(0, 6)(rng);
  for (int i = 0; i < items; ++i) {
    if (!command.positionals.empty() && chance(0.25)) {
      args.push_back(pick(command.positionals));
    } else if (!command.flags.empty() && chance(0.85)) {
      const Flag& flag = pick(command.flags);
      std::string flag_name = flag.name;
      if (chance(0.05)) flag_name.pop_back();  // a mangled flag
      if (flag.values.empty() || chance(0.05)) {
        args.push_back(flag_name);
      } else if (chance(0.1)) {
        args.push_back(flag_name + "=" + pick(flag.values));
      } else {
        args.push_back(flag_name);
        args.push_back(pick(flag.values));
      }
    } else {
      args.push_back(pick(kWords));
    }
  }
  // Only fast runs: a run is always at analytic fidelity (a second --fidelity is itself a case to handle).
  if (command.name == "run" && name == "run" &&
      std::find(args.begin(), args.end(), "--fidelity") == args.end())
    for (const char* a : {"--fidelity", "analytic"}) args.push_back(a);
  return args;
}

std::string shown(const std::vector<std::string>& args) {
  std::string out = "trainsim";
  for (const std::string& a : args) out += " '" + a.substr(0, 60) + "'";
  return out;
}

TEST(CommandLineFuzz, EveryRandomCommandLineEndsCleanly) {
  const std::vector<Command> all = commands();
  std::mt19937 rng(20261202);  // fixed: a failure reproduces
  const auto start = std::chrono::steady_clock::now();
  const std::string root = ::testing::TempDir() + "trainsim-fuzz";
  int runs = 0;
  std::map<int, int> exits;  // exit code (-signal) -> runs
  // A count and a time budget: the test stays under about 40 s on one core whatever the machine.
  for (; runs < 400 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30); ++runs) {
    const std::vector<std::string> args = random_command_line(rng, all);
    // Never "run --fidelity stage|gpu": too slow for a fuzz test.
    const auto fidelity = std::find(args.begin(), args.end(), "--fidelity");
    if (args.front() == "run" && fidelity != args.end() && fidelity + 1 != args.end() && fidelity[1] != "analytic") continue;
    const std::string dir = root + "/" + std::to_string(runs);
    std::filesystem::create_directories(dir);
    // A run past 30 s is ended by SIGALRM and counts as a failure: a hang is a bug too.
    const ProcessResult r = run_trainsim(args, RunOptions{dir, "", 30});
    ++exits[r.signal ? -r.signal : r.exit_code];
    EXPECT_EQ(r.signal, 0) << shown(args) << " ended by signal " << r.signal;
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 2) << shown(args) << " exited " << r.exit_code;
    if (r.exit_code != 0) {
      const long lines = std::count(r.err.begin(), r.err.end(), '\n');
      EXPECT_EQ(r.err.rfind("trainsim: error: ", 0), 0u) << shown(args) << ":\n" << r.err;
      const bool pointer = lines == 2 && r.err.find("\nrun 'trainsim ") != std::string::npos;
      EXPECT_TRUE(lines == 1 || pointer) << shown(args) << ":\n" << r.err;
    }
    std::filesystem::remove_all(dir);
  }
  EXPECT_GE(runs, 100) << "too few command lines in the time budget";
  std::string summary;
  for (const auto& [code, count] : exits) summary += " " + std::to_string(count) + " exit " + std::to_string(code) + ",";
  std::printf("command line fuzz: %d command lines:%s\n", runs, summary.c_str());
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace trainsim::testing
