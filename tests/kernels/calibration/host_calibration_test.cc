// The host harness's kernels for a plan's calls (kernels/calibration/host_calibration.h): every GEMM of the small
// reduced DeepSeek-V3's step, its call built from the catalog op as the plan builds it, runs the model's own routine
// for the op's role (forward, Dgrad or Wgrad, each with its own m, n, k, models/layer_builder.h) at the precision the
// model runs it, and does the op's FLOPs (counted by the model's own count_flops); and the warm and cold timings run
// their call as often as they say.
#include "kernels/calibration/host_calibration.h"

#include <gtest/gtest.h>

#include <string>

#include "kernels/model/op_timer.h"
#include "models/model_presets.h"
#include "models/op_catalog.h"

namespace trainsim::kernels {
namespace {

const std::string kConfig = std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-small.json";

CalibrationCall gemm_call(const models::Op& op) {
  const auto& g = std::get<models::GemmDims>(op.shape);
  CalibrationCall c;
  c.id = "bf16_gemm.000";
  c.family = "bf16_gemm";
  c.op = std::string(models::op_kind_name(op.kind));
  c.dtype = std::string(models::dtype_name(op.dtype));
  c.pass = "F";
  c.sms = 2;
  c.groups = op.kind == models::OpKind::kGroupedGemm ? g.groups : 0;
  c.m = g.rows_per_group;
  c.n = g.n;
  c.k = g.k;
  c.ops = {op.name};
  return c;
}

// The FLOPs one run of `kernel` counts through the model's count_flops (outside any timed op: untimed_flops).
double counted_flops(const HostKernel& kernel) {
  model::OpTimer timer;
  const model::AttachOpTimer attach(&timer, model::Pass::kForward);
  timer.begin_step();
  kernel.run();
  timer.end_step();
  return timer.steps().back().untimed_flops;
}

TEST(HostCalibration, EveryGemmOfTheSmallModelsStepRunsTheModelsRoutineForItsRole) {
  const model::ModelConfig config = model::load_model_config(kConfig);
  const models::ModelConfig catalog_model = models::load_hf_config_file(kConfig);
  models::OpContext context;  // 4 sequences of 32 tokens on one GPU, BF16
  context.micro_batch_size = 4;
  context.sequence_length = 32;
  context.precision = models::precision_policy(models::TrainingPrecision::kBf16);
  int dgrads = 0, wgrads = 0, original = 0;
  using models::LayerKind;
  for (const LayerKind kind :
       {LayerKind::kDense, LayerKind::kMoe, LayerKind::kEmbedding, LayerKind::kOutputHead, LayerKind::kMtp})
    for (const models::Op& op : models::build_layer_ops(catalog_model, kind, context).ops) {
      if ((op.kind != models::OpKind::kGemm && op.kind != models::OpKind::kGroupedGemm) || !op.has_shape()) continue;
      const HostKernel kernel = host_kernel(gemm_call(op), config);
      const std::string role = op.name.ends_with(".dgrad")   ? "linear_dgrad"
                               : op.name.ends_with(".wgrad") ? "linear_wgrad"
                                                             : "linear_forward";
      EXPECT_NE(kernel.kernel.find("model::" + role), std::string::npos) << op.name << ": " << kernel.kernel;
      // The head and the gate at the model's kOriginalPrecision (FP64), the rest at the scenario's BF16.
      const bool kept = op.name.starts_with("head.proj") || op.name.starts_with("moe.gate");
      EXPECT_NE(kernel.kernel.find(kept ? " fp64" : " bf16"), std::string::npos) << op.name << ": " << kernel.kernel;
      // The op's FLOPs (2 m n k per group, by the catalog) are what the model's routine counts: every group runs,
      // each on the op's whole product (a dimension dropped or taken from another op would count another).
      EXPECT_DOUBLE_EQ(counted_flops(kernel), op.flops) << op.name;
      dgrads += role == "linear_dgrad";
      wgrads += role == "linear_wgrad";
      original += kept;
    }
  EXPECT_GT(dgrads, 0);
  EXPECT_EQ(dgrads, wgrads);  // every linear has both
  EXPECT_GT(original, 0);
}

TEST(HostCalibration, ColdTimingRunsItsCallOncePerSampleEachAfterAnEviction) {
  int calls = 0;
  const double seconds = cold_median_seconds([&] { ++calls; }, 3);
  EXPECT_EQ(calls, 3);
  EXPECT_GE(seconds, 0);
  calls = 0;
  (void)median_seconds([&] { ++calls; }, 3, 2);
  EXPECT_EQ(calls, 1 + 3 * 2);  // one warm-up call, then samples x batch
}

}  // namespace
}  // namespace trainsim::kernels
