// training.precision: each choice sets its policy; a format the GPU lacks is a located error; without the key
// the GPU decides (FP8 where it has FP8 tensor cores, else BF16 with a note).
#include <gtest/gtest.h>

#include "sim/scenario/scenario_loader.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using models::TrainingPrecision;
using testing::error_of;
using testing::kValidScenario;
using testing::parse;
using testing::with;

std::string with_precision(const std::string& precision, const std::string& text = kValidScenario) {
  return with("  tokens: 1B", "  tokens: 1B\n  precision: " + precision, text);
}

TEST(ScenarioPrecision, EachChoiceSetsItsPolicy) {
  const Scenario fp8 = parse(with_precision("fp8"));
  EXPECT_EQ(fp8.job.precision.format, TrainingPrecision::kFp8Block);
  EXPECT_TRUE(fp8.job.precision.fp8_gemms && fp8.job.precision.fp8_dispatch);
  const Scenario tensor = parse(with_precision("fp8-tensor"));
  EXPECT_EQ(tensor.job.precision.format, TrainingPrecision::kFp8Tensor);
  EXPECT_TRUE(tensor.job.precision.fp8_gemms);
  EXPECT_FALSE(tensor.job.precision.fp8_dispatch);  // Megatron's all-to-all sends BF16
  const Scenario fp16 = parse(with_precision("fp16"));
  EXPECT_EQ(fp16.job.precision.format, TrainingPrecision::kFp16);
  EXPECT_FALSE(fp16.job.precision.fp8_gemms || fp16.job.precision.fp8_dispatch);
  EXPECT_EQ(parse(with_precision("bf16")).job.precision.format, TrainingPrecision::kBf16);
  const Scenario mx = parse(with_precision("mxfp8", with("type: h800", "type: b200")));
  EXPECT_EQ(mx.job.precision.format, TrainingPrecision::kMxfp8);
  EXPECT_TRUE(mx.job.precision.fp8_gemms);
  EXPECT_TRUE(mx.job.notes.empty());
}

TEST(ScenarioPrecision, AnUnknownChoiceIsALocatedError) {
  EXPECT_EQ(error_of(with_precision("fp4")).substr(0, 40), "s.yaml:8:14: training.precision: 'fp4' i");
}

TEST(ScenarioPrecision, MxFp8NeedsMxTensorCores) {
  EXPECT_EQ(error_of(with_precision("mxfp8")),
            "s.yaml:8:14: training.precision: mxfp8 on a GPU without MX block-scaled FP8 tensor cores (h800) "
            "(expected fp8, fp8-tensor, bf16 or fp16 on this GPU); hint: MXFP8 runs on Blackwell tensor cores "
            "(b200); the H800 has FP8 with per-tensor or block scales: precision: fp8-tensor or fp8");
  EXPECT_EQ(error_of(with_precision("mxfp8", with("type: h800", "type: a100"))),
            "s.yaml:8:14: training.precision: mxfp8 on a GPU without MX block-scaled FP8 tensor cores (a100) "
            "(expected bf16 or fp16 on this GPU); hint: MXFP8 runs on Blackwell tensor cores (b200); the A100 has "
            "no FP8 tensor cores: precision: bf16");
}

TEST(ScenarioPrecision, PerTensorFp8NeedsFp8TensorCores) {
  EXPECT_EQ(error_of(with_precision("fp8-tensor", with("type: h800", "type: a100"))),
            "s.yaml:8:14: training.precision: fp8-tensor on a GPU without FP8 tensor cores (a100) (expected bf16 on "
            "this GPU); hint: precision: bf16 (the A100 has no FP8 tensor cores)");
}

TEST(ScenarioPrecision, TheDefaultFollowsTheGpuAndSaysSoWhenItFallsBack) {
  const Scenario h800 = parse(kValidScenario);
  EXPECT_EQ(h800.job.precision.format, TrainingPrecision::kFp8Block);
  EXPECT_TRUE(h800.job.notes.empty());
  const Scenario a100 = parse(with("type: h800", "type: a100"));
  EXPECT_EQ(a100.job.precision.format, TrainingPrecision::kBf16);
  EXPECT_FALSE(a100.job.precision.fp8_gemms);
  ASSERT_EQ(a100.job.notes.size(), 1u);
  EXPECT_EQ(a100.job.notes.front(), "a100 has no FP8 tensor cores: bf16");
  // A precision given is no fallback: no note.
  EXPECT_TRUE(parse(with_precision("bf16", with("type: h800", "type: a100"))).job.notes.empty());
}

TEST(ScenarioPrecision, OptimizerWeightsAndGradientsMayBeFp16) {
  const Scenario s = parse(with("  tokens: 1B", "  tokens: 1B\n  precision: fp16\n  optimizer: {weights: fp16, gradients: fp16}"));
  EXPECT_EQ(s.job.optimizer.weight_bytes, 2.0);
  EXPECT_EQ(s.job.optimizer.gradient_bytes, 2.0);
}

}  // namespace
}  // namespace trainsim::sim
