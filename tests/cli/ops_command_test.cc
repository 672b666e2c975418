// `trainsim ops` end to end: the table of a shipped scenario as text and JSON, and bad input refused with
// exit 2 and nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const std::string kMegatron1p7b = TRAINSIM_SOURCE_DIR "/scenarios/validation/megatron-gpt-1.7b-32xa100.yaml";

TEST(OpsCommand, PrintsTheOpsOfEachLayerKind) {
  const ProcessResult r = run_trainsim({"ops", kMegatron1p7b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dense layer (x24 in the model)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mlp.up.wgrad"), std::string::npos) << r.out;
}

TEST(OpsCommand, JsonTakesSetOverrides) {
  const ProcessResult r = run_trainsim({"ops", kMegatron1p7b, "--json", "--set", "parallelism.micro_batch_size=8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  int found = 0;
  for (const nlohmann::json& l : j["layers"]) {
    if (l["kind"] != "dense") continue;
    for (const nlohmann::json& o : l["ops"]) {
      if (o["name"] != "attn.qkv_proj" || o["pass"] != "F") continue;
      // 8 sequences x 2048 tokens x 3 x 2304 x 2304 x 2: half the 16-sequence micro-batch's QKV GEMM.
      EXPECT_DOUBLE_EQ(o["flops"].get<double>(), 2.0 * 8 * 2048 * 3 * 2304 * 2304);
      ++found;
    }
  }
  EXPECT_EQ(found, 1);
}

TEST(OpsCommand, BadScenarioExitsTwoAndWritesNothing) {
  const std::filesystem::path out = std::filesystem::path(::testing::TempDir()) / "ops_command_bad.txt";
  std::filesystem::remove(out);
  const ProcessResult r = run_trainsim({"ops", kMegatron1p7b, "--set", "parallelism.tp=3", "-o", out.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("megatron-gpt-1.7b-32xa100.yaml:34:3: parallelism:"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(run_trainsim({"ops", "missing.yaml"}).exit_code, 2);
}

}  // namespace
}  // namespace trainsim::testing
