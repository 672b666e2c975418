// ShapedOpTimeModel: ops with shapes go to their shape model, memory-bound ops to their bytes, the rest to the
// roofline; it says which priced each op. Every compute op of a DeepSeek-V3 MoE layer from the op catalog has a
// shape or bytes, and no price beats the datasheet.
#include "hardware/shaped_op_time_model.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "hardware/calibrated_constants.h"
#include "hardware/calibration_choice.h"
#include "hardware/gpu_catalog.h"
#include "models/model_presets.h"
#include "models/op_catalog.h"

namespace trainsim::hw {
namespace {

using models::AttentionDims;
using models::Dtype;
using models::GemmDims;
using models::Op;
using models::OpKind;
using models::Pass;

// DeepSeek-V3's communication kernels hold 20 of the H800's 132 SMs (docs/sources.md#deepseek-v3-cluster).
constexpr int kComputeSms = 112;

ShapedOpTimeModel deepseek_model() { return ShapedOpTimeModel(find_gpu("h800"), ShapedConstants{}, kComputeSms); }

// A projection of 4096 tokens, hidden 7168 to 2112 (q_a + kv_a of MLA).
Op down_projection() {
  Op op{"attn.down", OpKind::kGemm, Dtype::kFp8, Pass::kForward};
  op.flops = 2.0 * 4096 * 2112 * 7168;
  op.shape = GemmDims{1, 4096, 2112, 7168};
  return op;
}

TEST(ShapedOpTimeModel, GemmsWithShapesArePricedByTheirTiles) {
  const ShapedOpTimeModel model = deepseek_model();
  const Op forward = down_projection();
  EXPECT_EQ(model.pricing(forward), OpPricing::kGemmShape);
  const GemmTimeModel fp8(find_gpu("h800"), deepgemm_fp8_h800_constants(), assumed_memory_constants().hbm_time_factor);
  EXPECT_DOUBLE_EQ(model.seconds(forward), fp8.seconds(GemmShape::dense(4096, 2112, 7168, Dtype::kFp8), kComputeSms));
  // The op's dtype picks the kernel family: the same shape in BF16 runs on the BF16 constants.
  Op bf16 = forward;
  bf16.dtype = Dtype::kBf16;
  const GemmTimeModel bf16_gemm(find_gpu("h800"), assumed_bf16_constants(), assumed_memory_constants().hbm_time_factor);
  EXPECT_DOUBLE_EQ(model.seconds(bf16), bf16_gemm.seconds(GemmShape::dense(4096, 2112, 7168, Dtype::kBf16), kComputeSms));
  // A GEMM built without a shape falls back to the roofline, and says so.
  Op unshaped = forward;
  unshaped.shape = std::monostate{};
  EXPECT_EQ(model.pricing(unshaped), OpPricing::kRoofline);
  EXPECT_EQ(op_pricing_name(model.pricing(unshaped)), "roofline");
  EXPECT_DOUBLE_EQ(model.seconds(unshaped),
                   RooflineOpTimeModel(find_gpu("h800"), RooflineEfficiencies{}, 112.0 / 132).seconds(unshaped));
  // A shape of the wrong kind is a catalog bug.
  Op wrong = forward;
  wrong.shape = AttentionDims{1, 4096, 128, 192, 128, true};
  EXPECT_THROW(model.seconds(wrong), Error);
}

TEST(ShapedOpTimeModel, GemmDimsConvertToTheShapeModelsView) {
  const GemmShape grouped = gemm_shape(GemmDims{4, 8192, 4096, 7168}, Dtype::kFp8);
  EXPECT_EQ(grouped.group_rows, (std::vector<std::int64_t>{8192, 8192, 8192, 8192}));
  EXPECT_EQ(grouped.n, 4096);
  EXPECT_EQ(grouped.k, 7168);
  EXPECT_DOUBLE_EQ(grouped.flops(), 2.0 * 4 * 8192 * 4096 * 7168);
  // The router's own rows: each group its M. A grouped Wgrad contracts each group's tokens, a k per group, which
  // the shape models do not hold: refused, not priced at the mean.
  GemmDims uneven(4, 8192, 4096, 7168);
  uneven.tokens_by_group = {0, 1000, 9000, 22768};
  EXPECT_EQ(gemm_shape(uneven, Dtype::kFp8).group_rows, uneven.tokens_by_group);
  EXPECT_DOUBLE_EQ(gemm_shape(uneven, Dtype::kFp8).flops(), 2.0 * 32768 * 4096 * 7168);
  uneven.tokens_are_k = true;
  EXPECT_THROW(gemm_shape(uneven, Dtype::kFp8), Error);
  const AttentionShape mla = attention_shape(AttentionDims{2, 4096, 16, 192, 128, true});
  EXPECT_EQ(mla.batch, 2);
  EXPECT_EQ(mla.heads, 16);
  EXPECT_EQ(mla.qk_head_dim, 192);
  EXPECT_EQ(mla.v_head_dim, 128);
  EXPECT_TRUE(mla.causal);
}

TEST(ShapedOpTimeModel, AttentionBackwardRunsTheBackwardKernel) {
  const ShapedOpTimeModel model = deepseek_model();
  Op forward{"attn.core", OpKind::kAttention, Dtype::kBf16, Pass::kForward};
  forward.shape = AttentionDims{1, 4096, 128, 192, 128, true};
  Op backward = forward;
  backward.pass = Pass::kBackwardInput;
  Op recomputed = backward;
  recomputed.recomputed = true;
  EXPECT_EQ(model.pricing(forward), OpPricing::kAttentionShape);
  EXPECT_GT(model.seconds(backward), 2 * model.seconds(forward));
  EXPECT_DOUBLE_EQ(model.seconds(recomputed), model.seconds(forward));
}

TEST(ShapedOpTimeModel, MemoryBoundOpsArePricedByTheirBytes) {
  const ShapedOpTimeModel model = deepseek_model();
  Op cast{"moe.quantize", OpKind::kQuantize, Dtype::kFp8, Pass::kForward};
  cast.hbm_bytes = 1e8;
  EXPECT_EQ(model.pricing(cast), OpPricing::kMemoryBytes);
  EXPECT_DOUBLE_EQ(model.seconds(cast), MemoryTimeModel(find_gpu("h800"), assumed_memory_constants())
                                            .seconds(MemoryOpShape{1e8, 0, 1}, kComputeSms));
  // The router's top-k runs on CUDA cores: its bytes, with its FLOPs as a floor.
  Op router{"moe.topk", OpKind::kRouter, Dtype::kFp32, Pass::kForward};
  router.hbm_bytes = 1e6;
  router.flops = 4e6;
  EXPECT_EQ(model.pricing(router), OpPricing::kMemoryBytes);
  EXPECT_DOUBLE_EQ(model.seconds(router), MemoryTimeModel(find_gpu("h800"), assumed_memory_constants())
                                              .seconds(MemoryOpShape{1e6, 4e6, 1}, kComputeSms));
}

// DeepSeek-V3's pre-training layout on H800 (docs/sources.md#deepseek-v3-cluster): EP 64 over 8-GPU nodes,
// TP 1, sequences of 4096, FP8 GEMMs, its own recomputation.
models::LayerOps deepseek_moe_layer() {
  models::OpContext c;
  c.micro_batch_size = 1;
  c.sequence_length = 4096;
  c.ep = 64;
  c.gpus_per_node = 8;
  c.recompute = models::Recompute::kDeepSeek;
  return models::build_layer_ops(models::load_preset("deepseek-v3"), models::LayerKind::kMoe, c);
}

TEST(ShapedOpTimeModel, EveryComputeOpOfADeepSeekMoeLayerHasAShapeOrBytes) {
  const ShapedOpTimeModel model = deepseek_model();
  int shaped = 0;
  for (const Op& op : deepseek_moe_layer().ops) {
    if (op.is_communication()) continue;
    const OpPricing pricing = model.pricing(op);
    EXPECT_NE(pricing, OpPricing::kRoofline) << op.name << " " << models::pass_name(op.pass);
    if (pricing == OpPricing::kGemmShape || pricing == OpPricing::kAttentionShape) ++shaped;
  }
  // q_down, q_up, kv_down, kv_up, o_proj, gate, shared gate_up and down, routed gate_up and down: F, Bi and W
  // each, q_up and kv_up recomputed, the attention core forward and backward.
  EXPECT_EQ(shaped, 10 * 3 + 2 + 2);
}

TEST(ShapedOpTimeModel, NoOpOfADeepSeekMoeLayerBeatsTheDatasheet) {
  // The floor: the op's FLOPs at the peak of its unit on the SMs left to compute, and its bytes at the HBM
  // bandwidth; both from the datasheet (GpuSpec), neither reachable by a real kernel.
  const GpuSpec h800 = find_gpu("h800");
  const ShapedOpTimeModel model = deepseek_model();
  const double sm_share = static_cast<double>(kComputeSms) / h800.sm_count;
  for (const Op& op : deepseek_moe_layer().ops) {
    if (op.is_communication()) continue;
    const bool tensor_cores = op.kind == OpKind::kGemm || op.kind == OpKind::kGroupedGemm || op.kind == OpKind::kAttention;
    const double peak = tensor_cores ? h800.tensor_peak_flops_per_s(op.dtype) : h800.fp32_peak_flops_per_s;
    const double floor_s = std::max(op.flops / (peak * sm_share), op.hbm_bytes / h800.hbm_bandwidth_bytes_per_s);
    EXPECT_GE(model.seconds(op), floor_s) << op.name << " " << models::pass_name(op.pass);
  }
}

TEST(ShapedOpTimeModel, TheShippedCalibrationsFitsNeverBeatTheDatasheetEither) {
  // The same floor under the constants every shipped calibration's points give (the fit holds each constant
  // at its bound: no K loop above the per-SM peak, no HBM above the datasheet).
  const GpuSpec h800 = find_gpu("h800");
  const double sm_share = static_cast<double>(kComputeSms) / h800.sm_count;
  for (const auto& calibration : shipped_calibrations()) {
    const std::shared_ptr<const CalibratedConstants> fitted = calibrated_constants(calibration, h800);
    const ShapedOpTimeModel model(h800, fitted->constants, kComputeSms, RooflineEfficiencies{}, fitted->fitted,
                                  fitted->covered);
    for (const Op& op : deepseek_moe_layer().ops) {
      if (op.is_communication()) continue;
      const bool tensor_cores = op.kind == OpKind::kGemm || op.kind == OpKind::kGroupedGemm || op.kind == OpKind::kAttention;
      const double peak = tensor_cores ? h800.tensor_peak_flops_per_s(op.dtype) : h800.fp32_peak_flops_per_s;
      const double floor_s = std::max(op.flops / (peak * sm_share), op.hbm_bytes / h800.hbm_bandwidth_bytes_per_s);
      EXPECT_GE(model.seconds(op), floor_s) << calibration->file << ": " << op.name << " " << models::pass_name(op.pass);
    }
  }
}

}  // namespace
}  // namespace trainsim::hw
