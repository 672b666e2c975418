// Scenario values from the command line (--set KEY.PATH=VALUE, trainsim issue 14): they replace or add a key of
// the YAML tree before it is read, pass the same checks, and errors about them are located at "--set KEY.PATH".
// Also dp left out and derived, and the hints that used to mislead (a preset, a GPU count).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::with;

std::string error_with(std::vector<std::string> overrides, const std::string& text = kValidScenario) {
  try {
    parse_scenario(text, "s.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ScenarioOverrides, ReplaceValuesAddKeysAndTakeWholeMappings) {
  const std::vector<std::string> overrides{"training.global_batch=128", "parallelism.zero_stage=2",
                                           "cluster.gpu={type: h100, hbm_capacity: 96 GiB}"};
  const Scenario s = parse_scenario(kValidScenario, "s.yaml", overrides);
  EXPECT_EQ(s.job.global_batch_sequences, 128);
  EXPECT_EQ(s.layout.zero_stage, 2);  // not in the file: added
  EXPECT_EQ(s.cluster.gpu.key, "h100");
  EXPECT_DOUBLE_EQ(s.cluster.gpu.hbm_capacity_bytes, 96.0 * 1024 * 1024 * 1024);
  // One key below a mapping; the last --set of a key wins.
  const Scenario t = parse_scenario(kValidScenario, "s.yaml",
                                    std::vector<std::string>{"cluster.gpu.hbm_capacity=80 GiB", "cluster.gpu.hbm_capacity=40 GiB"});
  EXPECT_DOUBLE_EQ(t.cluster.gpu.hbm_capacity_bytes, 40.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(t.cluster.gpu.key, "h800");
}

TEST(ScenarioOverrides, ErrorsAreLocatedAtTheSetFlag) {
  EXPECT_EQ(error_with({"parallelism.pp=four"}),
            "--set parallelism.pp: 'four' is not a whole number (expected a whole number from 1 to 4096)");
  EXPECT_TRUE(has(error_with({"cluster.gpu={type: h100, hbm_capacity: 96}"}), "--set cluster.gpu: cluster.gpu.hbm_capacity:"));
  // A value of the file keeps its file:line:col when another key is set.
  EXPECT_TRUE(has(error_with({"parallelism.pp=4"}, with("  schedule: dualpipe", "  schedule: dualpipes")),
                  "s.yaml:10:13: parallelism.schedule: 'dualpipes' is not a known value"));
  // A rule broken by the set value points at the flag.
  EXPECT_TRUE(has(error_with({"parallelism.ep=3"}), "--set parallelism.ep: ep 3 does not divide"));
}

TEST(ScenarioOverrides, PathThatNamesNoFieldIsALocatedErrorWithDidYouMean) {
  const std::string key = error_with({"parallelism.ppp=4"});
  EXPECT_TRUE(has(key, "--set parallelism.ppp: unknown key 'ppp'")) << key;
  EXPECT_TRUE(has(key, "did you mean 'pp'?")) << key;
  const std::string section = error_with({"paralelism.pp=4"});
  EXPECT_TRUE(has(section, "--set paralelism.pp: paralelism: unknown key 'paralelism'")) << section;
  EXPECT_TRUE(has(section, "did you mean 'parallelism'?")) << section;
  const std::string through_value =
      error_with({"cluster.gpu.hbm_capacity=96 GiB"}, with("  gpu: {type: h800, hbm_capacity: 1 TiB}", "  gpu: h800"));
  EXPECT_TRUE(has(through_value, "--set cluster.gpu.hbm_capacity: 'cluster.gpu' is a single value"))
      << through_value;
  EXPECT_TRUE(has(through_value, "--set cluster.gpu={type: h100, hbm_capacity: 96 GiB}")) << through_value;
  EXPECT_EQ(error_with({"parallelism.pp"}), "--set: 'parallelism.pp' has no value (expected KEY.PATH=VALUE, such as parallelism.pp=8)");
  EXPECT_TRUE(has(error_with({"parallelism..pp=4"}), "has an empty key"));
  EXPECT_TRUE(has(error_with({"parallelism.pp=[4"}), "--set parallelism.pp: '[4' is not valid YAML"));
}

TEST(ScenarioOverrides, DpLeftOutIsGpusOverPpTimesTp) {
  // 4 nodes x 8 GPUs = 32; pp 4, tp 1: dp = 32 / 4 = 8 (ep 8 is drawn from dp x tp, not extra GPUs).
  EXPECT_EQ(parse_scenario(with("  dp: 8\n", ""), "s.yaml").layout.dp, 8);
  const std::string odd = error_with({"parallelism.pp=3"}, with("  dp: 8\n", ""));
  EXPECT_TRUE(has(odd, "parallelism.dp: dp is left out, but pp 3 x tp 1 = 3 does not divide the 32 GPUs (4 nodes x 8)"))
      << odd;
  EXPECT_EQ(odd.rfind("s.yaml:", 0), 0u) << odd;
}

// Trainsim issue 14: llama-3.1-8b is not a typo of llama-3.1-70b; the preset list and the config.json way are.
TEST(ScenarioOverrides, UnknownPresetPointsAtConfigJsonNotAtAnotherModel) {
  const std::string message = error_of(with("  preset: deepseek-v3", "  preset: llama-3.1-8b"));
  EXPECT_TRUE(has(message, "s.yaml:3:11: model.preset: unknown model preset 'llama-3.1-8b' (expected one of ")) << message;
  EXPECT_TRUE(has(message, "llama-3.1-70b")) << message;  // in the list, not as a suggestion
  EXPECT_FALSE(has(message, "did you mean")) << message;
  EXPECT_TRUE(has(message, "hint: a model without a preset is read from its HuggingFace config.json: model: {config: "
                           "path/to/config.json}"))
      << message;
  EXPECT_TRUE(has(error_of(with("  preset: deepseek-v3", "  preset: deepsek-v3")), "did you mean 'deepseek-v3'?"));
}

// Trainsim issue 14: `gpus: 512` is a GPU count, not a misspelt `gpu` (the GPU type).
TEST(ScenarioOverrides, GpuCountKeyPointsAtNodesTimesGpusPerNode) {
  const std::string message = error_of(with("  nodes: 4\n", "  nodes: 4\n  gpus: 512\n"));
  EXPECT_TRUE(has(message, "s.yaml:17:9: cluster.gpus: unknown key 'gpus': a GPU count is not a key of its own")) << message;
  EXPECT_TRUE(has(message, "hint: the GPU count is nodes x gpus_per_node: nodes: 64 gives 512 GPUs at 8 per node"))
      << message;
  EXPECT_FALSE(has(message, "did you mean")) << message;
  // A GPU name under `gpus` is the misspelt type key, and the suggestion stays.
  EXPECT_TRUE(has(error_of(with("  nodes: 4\n", "  nodes: 4\n  gpus: h100\n")), "did you mean 'gpu'?"));
}

}  // namespace
}  // namespace trainsim::sim
