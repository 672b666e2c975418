// FP8 recipes' bytes by hand: DeepSeek's block scaling adds one FP32 scale per 128 values (4/128 = 1/32 byte
// per value), OCP MX one E8M0 byte per 32 (1/32), Transformer Engine's delayed scaling one FP32 per tensor
// (nothing per value). The op catalog's quantize ops carry those bytes; the GEMMs' FLOPs do not change.
#include "models/precision_policy.h"

#include <gtest/gtest.h>

#include "models/model_presets.h"
#include "models/op_catalog.h"
#include "tests/models/model_test_data.h"

namespace trainsim::models {
namespace {

TEST(PrecisionPolicy, Fp8BytesPerElementByRecipe) {
  EXPECT_DOUBLE_EQ(fp8_bytes_per_element(TrainingPrecision::kFp8Block), 1.0 + 4.0 / 128);
  EXPECT_DOUBLE_EQ(fp8_bytes_per_element(TrainingPrecision::kMxfp8), 1.0 + 1.0 / 32);
  EXPECT_DOUBLE_EQ(fp8_bytes_per_element(TrainingPrecision::kFp8Tensor), 1.0);
  // Cast: BF16 read (2) + FP8 written; cast-transpose: FP8 written twice; Wgrad's transpose of the saved X:
  // FP8 with scales read and written (block, MX), plain FP8 read and written (per tensor).
  EXPECT_DOUBLE_EQ(cast_bytes_per_element(TrainingPrecision::kFp8Block), 3.03125);
  EXPECT_DOUBLE_EQ(cast_bytes_per_element(TrainingPrecision::kFp8Tensor), 3.0);
  EXPECT_DOUBLE_EQ(cast_transpose_bytes_per_element(TrainingPrecision::kFp8Block), 4.0625);
  EXPECT_DOUBLE_EQ(cast_transpose_bytes_per_element(TrainingPrecision::kFp8Tensor), 4.0);
  EXPECT_DOUBLE_EQ(wgrad_transpose_bytes_per_element(TrainingPrecision::kFp8Block), 2.0625);
  EXPECT_DOUBLE_EQ(wgrad_transpose_bytes_per_element(TrainingPrecision::kFp8Tensor), 2.0);
  EXPECT_DOUBLE_EQ(cast_bytes_per_element(TrainingPrecision::kMxfp8), cast_bytes_per_element(TrainingPrecision::kFp8Block));
}

TEST(PrecisionPolicy, PoliciesOfEachChoice) {
  EXPECT_TRUE(precision_policy(TrainingPrecision::kFp8Block).fp8_dispatch);
  EXPECT_FALSE(precision_policy(TrainingPrecision::kFp8Tensor).fp8_dispatch);
  EXPECT_TRUE(precision_policy(TrainingPrecision::kMxfp8).fp8_gemms);
  EXPECT_FALSE(precision_policy(TrainingPrecision::kFp16).fp8_gemms);
  EXPECT_FALSE(precision_policy(TrainingPrecision::kBf16).fp8_gemms);
  EXPECT_EQ(precision_name(TrainingPrecision::kFp8Tensor), "fp8-tensor");
}

// Llama-3.1-70B's qkv projection reads X[4096 tokens, 8192]: 33,554,432 values to quantize.
TEST(PrecisionPolicy, QuantizeOpsOfTheQkvProjectionByHand) {
  const ModelConfig m = load_preset("llama-3.1-70b");
  OpContext c;
  c.sequence_length = 4096;
  const double x = 4096.0 * 8192, dy = 4096.0 * (8192 + 2 * 8 * 128);  // dY of q, k, v: 64 + 2 x 8 heads of 128
  c.precision = precision_policy(TrainingPrecision::kFp8Block);
  const LayerOps block = build_layer_ops(m, LayerKind::kDense, c);
  c.precision = precision_policy(TrainingPrecision::kFp8Tensor);
  const LayerOps tensor = build_layer_ops(m, LayerKind::kDense, c);
  EXPECT_DOUBLE_EQ(op_named(block, "attn.qkv_proj.quant_x").hbm_bytes, x * 3.03125);
  EXPECT_DOUBLE_EQ(op_named(tensor, "attn.qkv_proj.quant_x").hbm_bytes, x * 3.0);
  EXPECT_DOUBLE_EQ(op_named(block, "attn.qkv_proj.quant_dy").hbm_bytes, dy * 4.0625);
  EXPECT_DOUBLE_EQ(op_named(tensor, "attn.qkv_proj.quant_dy").hbm_bytes, dy * 4.0);
  EXPECT_DOUBLE_EQ(op_named(block, "attn.qkv_proj.requant_x_t").hbm_bytes, x * 2.0625);
  EXPECT_DOUBLE_EQ(op_named(tensor, "attn.qkv_proj.requant_x_t").hbm_bytes, x * 2.0);
  // The GEMM's work is the same; its operand bytes lose the scales.
  EXPECT_EQ(op_named(block, "attn.qkv_proj").flops, op_named(tensor, "attn.qkv_proj").flops);
  EXPECT_LT(op_named(tensor, "attn.qkv_proj").hbm_bytes, op_named(block, "attn.qkv_proj").hbm_bytes);
  // FP16 and BF16 build the same ops (the same 2-byte tensors at the same tensor-core rate).
  c.precision = precision_policy(TrainingPrecision::kFp16);
  const LayerOps fp16 = build_layer_ops(m, LayerKind::kDense, c);
  c.precision = precision_policy(TrainingPrecision::kBf16);
  const LayerOps bf16 = build_layer_ops(m, LayerKind::kDense, c);
  ASSERT_EQ(fp16.ops.size(), bf16.ops.size());
  for (std::size_t i = 0; i < fp16.ops.size(); ++i) EXPECT_EQ(fp16.ops[i].hbm_bytes, bf16.ops[i].hbm_bytes) << fp16.ops[i].name;
}

}  // namespace
}  // namespace trainsim::models
