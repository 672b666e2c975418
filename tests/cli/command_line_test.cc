// The command line of trainsim issue 14, end to end in child processes: CLI11's errors as one line with a
// did-you-mean or the valid values and a --help pointer, --set and standard input for scenarios, units on the
// schedule's time flags, memory hints that name only what is not in place, and the completion scripts.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const std::string kDefaultScenario = kSource + "/scenarios/deepseek-v3-2048xh800.yaml";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string temp_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// run_trainsim with standard input read from `input_path` (run_trainsim gives /dev/null).
ProcessResult run_with_input(const std::vector<std::string>& args, const std::string& input_path,
                             const std::string& working_dir) {
  return run_trainsim(args, RunOptions{working_dir, input_path, 0});
}

TEST(CommandLine, UnknownCommandSuggestsTheNearest) {
  const ProcessResult r = run_trainsim({"rnu"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "trainsim: error: unknown command 'rnu'; did you mean 'run'?\nrun 'trainsim --help' for the commands\n");
  const ProcessResult none = run_trainsim({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(has(none.err, "trainsim: error: a command is required (one of run, models, gpus,")) << none.err;
}

TEST(CommandLine, UnknownOptionSuggestsTheNearest) {
  const ProcessResult r = run_trainsim({"run", "--fidelty", "stage"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "trainsim: error: unknown option '--fidelty'; did you mean '--fidelity'?\n"
                   "run 'trainsim run --help' for the options\n");
  EXPECT_TRUE(has(run_trainsim({"schedule", "--microbatch=4"}).err, "unknown option '--microbatch'; did you mean '--microbatches'?"));
}

TEST(CommandLine, EnumValueListsTheValidOnes) {
  const ProcessResult r = run_trainsim({"run", "--fidelity", "fast"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "trainsim: error: --fidelity: invalid value 'fast'; expected one of analytic, stage, gpu\n"
                   "run 'trainsim run --help' for the options\n");
  const ProcessResult kind = run_trainsim({"schedule", "--kind", "dualpip"});
  EXPECT_TRUE(has(kind.err, "--kind: invalid value 'dualpip'; expected one of gpipe, 1f1b, ")) << kind.err;
  EXPECT_TRUE(has(kind.err, "; did you mean 'dualpipe'?\n")) << kind.err;
}

TEST(CommandLine, EveryParseErrorIsOneLinePlusTheHelpPointer) {
  const std::vector<std::vector<std::string>> bad{
      {"run", "a.yaml", "b.yaml"}, {"models", "--sequence-length", "x"}, {"models", "--sequence-length", "0"},
      {"validate-scenario"},       {"run", "--fidelity"},                {"schedule", "--pp", "abc"},
      {"completion", "fish"},      {"--no-such-flag"},                   {"gpus", "extra"}};
  for (const std::vector<std::string>& args : bad) {
    const ProcessResult r = run_trainsim(args);
    EXPECT_EQ(r.exit_code, 2) << args.front() << ": " << r.err;
    EXPECT_EQ(r.err.rfind("trainsim: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
    EXPECT_TRUE(has(r.err, "\nrun 'trainsim ")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(CommandLine, HelpIsCli11sOwn) {
  const ProcessResult r = run_trainsim({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "--fidelity")) << r.out;
  EXPECT_TRUE(has(r.out, "--set")) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CommandLine, SetOverridesScenarioValues) {
  // 512 nodes x 8 = 4096 GPUs = pp 16 x dp 256.
  const ProcessResult doubled = run_trainsim(
      {"validate-scenario", kDefaultScenario, "--set", "cluster.nodes=512", "--set", "parallelism.dp=256"});
  EXPECT_EQ(doubled.exit_code, 0) << doubled.err;
  EXPECT_TRUE(has(doubled.out, "on 4096 x h800")) << doubled.out;
  // An empty value is no value (YAML null), refused like `dp:` in a file.
  EXPECT_EQ(run_trainsim({"validate-scenario", kDefaultScenario, "--set", "cluster.nodes=512", "--set", "parallelism.dp="}).exit_code, 2);
  const ProcessResult bad = run_trainsim({"run", kDefaultScenario, "--fidelity", "analytic", "--set", "parallelism.pp=0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.rfind("trainsim: error: --set parallelism.pp: 0 is out of range", 0), 0u) << bad.err;
  const ProcessResult typo = run_trainsim({"validate-scenario", kDefaultScenario, "--set", "cluster.noddes=4"});
  EXPECT_TRUE(has(typo.err, "--set cluster.noddes: unknown key 'noddes'")) << typo.err;
  EXPECT_TRUE(has(typo.err, "did you mean 'nodes'?")) << typo.err;
  const ProcessResult gpu = run_trainsim({"run", kDefaultScenario, "--fidelity", "analytic", "--json", "--set",
                                          "cluster.gpu={type: h100, hbm_capacity: 96 GiB}", "--set", "cluster.calibration=none"});
  EXPECT_EQ(gpu.exit_code, 0) << gpu.err;
  EXPECT_TRUE(has(gpu.out, "h100")) << gpu.out.substr(0, 400);
  EXPECT_TRUE(has(run_trainsim({"schedule", "--set", "parallelism.pp=4"}).err, "--set: sets a scenario value, but there is no scenario"));
}

TEST(CommandLine, ScenarioFromStandardInput) {
  const std::string dir = temp_dir("trainsim-stdin");
  std::ofstream(dir + "/in.yaml") << file_text(kDefaultScenario);
  const ProcessResult ok = run_with_input({"validate-scenario", "-"}, dir + "/in.yaml", dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("ok: <stdin>: ", 0), 0u) << ok.out;
  // schedule --scenario reads its scenario twice, and - twice is the same text.
  const ProcessResult schedule = run_with_input({"schedule", "--scenario", "-", "--svg", "s.svg", "--trace", "s.json"},
                                                dir + "/in.yaml", dir);
  EXPECT_EQ(schedule.exit_code, 0) << schedule.err;
  EXPECT_EQ(run_with_input({"validate-scenario", "-", "-"}, dir + "/in.yaml", dir).exit_code, 0);
  // A relative path inside it is read from the working directory, and errors are located at <stdin>.
  std::ofstream(dir + "/in.yaml") << file_text(kDefaultScenario) << "  calibration: missing-calibration.yaml\n";
  const ProcessResult relative = run_with_input({"run", "-", "--fidelity", "analytic"}, dir + "/in.yaml", dir);
  EXPECT_EQ(relative.exit_code, 2);
  EXPECT_EQ(relative.err.rfind("trainsim: error: <stdin>:", 0), 0u) << relative.err;
  EXPECT_TRUE(has(relative.err, "cannot read calibration file 'missing-calibration.yaml'")) << relative.err;
}

TEST(CommandLine, StandardInputIsBoundedAsAScenarioFileIs) {
  const std::string dir = temp_dir("trainsim-stdin-bound");
  // 2 MiB of comment lines: valid YAML, twice the 1 MiB a scenario may have (core/input_file.h).
  std::ofstream(dir + "/big.yaml") << std::string(2 << 20, '#');
  const ProcessResult big = run_with_input({"validate-scenario", "-"}, dir + "/big.yaml", dir);
  EXPECT_EQ(big.exit_code, 2) << big.err;
  EXPECT_EQ(big.err.rfind("trainsim: error: <stdin>: the scenario 'standard input' is over the limit", 0), 0u) << big.err;
  EXPECT_EQ(std::count(big.err.begin(), big.err.end(), '\n'), 1) << big.err;
}

TEST(CommandLine, ScheduleTimesTakeUnits) {
  const std::string dir = temp_dir("trainsim-units");
  const std::vector<std::string> common{"schedule", "--kind", "1f1b", "--pp", "4", "--microbatches", "8"};
  std::vector<std::string> units = common, seconds = common;
  for (const char* a : {"--f", "1ms", "--b", "2 ms", "--w", "1ms", "--fb", "3ms", "--p2p-latency", "5us"}) units.push_back(a);
  for (const char* a : {"--f", "0.001", "--b", "0.002", "--w", "0.001", "--fb", "0.003", "--p2p-latency", "5e-6"})
    seconds.push_back(a);
  const ProcessResult with_units = run_trainsim(units, dir);
  const ProcessResult in_seconds = run_trainsim(seconds, dir);
  EXPECT_EQ(with_units.exit_code, 0) << with_units.err;
  EXPECT_EQ(with_units.out, in_seconds.out);
  const ProcessResult bad = run_trainsim({"schedule", "--f", "1 parsec"}, dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.rfind("trainsim: error: --f: ", 0), 0u) << bad.err;
  EXPECT_TRUE(has(bad.err, "expected a time such as 1ms")) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 2) << bad.err;
}

// Trainsim issue 14: the hint of a layout that does not fit names only changes not already in place that lower
// memory (models/memory_model.cc): no `recompute: deepseek` where it is set, no ep for a dense model.
TEST(CommandLine, MemoryHintNamesOnlyWhatIsNotInPlace) {
  const std::string small_gpu = "cluster.gpu={type: h800, hbm_capacity: 16 GiB}";
  const ProcessResult v3 = run_trainsim({"validate-scenario", kDefaultScenario, "--set", small_gpu});
  EXPECT_EQ(v3.exit_code, 2);
  const std::string hint = v3.err.substr(v3.err.find("hint: "));
  EXPECT_TRUE(has(hint, "recompute more (recompute: full)")) << hint;
  EXPECT_FALSE(has(hint, "deepseek")) << hint;
  EXPECT_TRUE(has(hint, "raise ep (now 64)")) << hint;  // 128 divides the 256 experts and dp x tp = 128
  EXPECT_TRUE(has(hint, "raise zero_stage (now 1")) << hint;
  EXPECT_TRUE(has(hint, "pick a GPU with more memory")) << hint;
  const ProcessResult in_place = run_trainsim({"validate-scenario", kDefaultScenario, "--set", small_gpu, "--set",
                                               "parallelism.recompute=full", "--set", "parallelism.zero_stage=3"});
  const std::string in_place_hint = in_place.err.substr(in_place.err.find("hint: "));
  EXPECT_FALSE(has(in_place_hint, "recompute")) << in_place_hint;
  EXPECT_FALSE(has(in_place_hint, "zero_stage")) << in_place_hint;
  const ProcessResult dense = run_trainsim({"validate-scenario", kSource + "/scenarios/llama-3.1-405b-16384xh100.yaml",
                                            "--set", "cluster.gpu={type: h100, hbm_capacity: 16 GiB}"});
  EXPECT_EQ(dense.exit_code, 2);
  EXPECT_TRUE(has(dense.err, "hint: ")) << dense.err;
  EXPECT_FALSE(has(dense.err, "raise ep")) << dense.err;
}

TEST(CommandLine, BashCompletionComesFromTheCommandDefinitions) {
  const std::string dir = temp_dir("trainsim-completion-bash");
  const ProcessResult bash = run_trainsim({"completion", "bash"});
  ASSERT_EQ(bash.exit_code, 0) << bash.err;
  for (const char* command : {"run", "models", "gpus", "validate-scenario", "schedule", "bench", "calibrate", "completion"})
    EXPECT_TRUE(has(bash.out, std::string(" ") + command + ")")) << command;
  EXPECT_TRUE(has(bash.out, "--fidelity) COMPREPLY=($(compgen -W \"analytic stage gpu\"")) << bash.out;
  EXPECT_TRUE(has(bash.out, "--set")) << bash.out;
  std::ofstream(dir + "/trainsim.bash") << bash.out;
  EXPECT_EQ(std::system(("bash -n " + dir + "/trainsim.bash").c_str()), 0);
}

TEST(CommandLine, ZshCompletionComesFromTheCommandDefinitions) {
  const ProcessResult zsh = run_trainsim({"completion", "zsh"});
  ASSERT_EQ(zsh.exit_code, 0) << zsh.err;
  EXPECT_TRUE(has(zsh.out, "(analytic stage gpu)")) << zsh.out;
  for (const char* command : {"run", "schedule", "calibrate", "completion"}) EXPECT_TRUE(has(zsh.out, command)) << command;
}

TEST(CommandLine, ZshAcceptsItsCompletionScript) {
  if (std::system("command -v zsh > /dev/null 2>&1") != 0) GTEST_SKIP() << "zsh is not installed: nothing to check with";
  const std::string dir = temp_dir("trainsim-completion-zsh");
  const ProcessResult zsh = run_trainsim({"completion", "zsh"});
  ASSERT_EQ(zsh.exit_code, 0) << zsh.err;
  std::ofstream(dir + "/_trainsim") << zsh.out;
  EXPECT_EQ(std::system(("zsh -n " + dir + "/_trainsim").c_str()), 0);
}

}  // namespace
}  // namespace trainsim::testing
