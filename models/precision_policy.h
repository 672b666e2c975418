// PrecisionPolicy: the number format a training run's layer GEMMs use and how FP8 tensors are scaled, with the
// bytes per element each FP8 recipe writes (DeepSeek-V3 tech report 3.3; Transformer Engine's recipes;
// OCP Microscaling Formats spec v1.0). docs/sources.md#precision gives each figure's source.
#pragma once
#include <string_view>

namespace trainsim::models {

// training.precision. FP16 and BF16 run at the same dense tensor-core rate on every catalog GPU (each
// datasheet lists one figure for both), so an FP16 run is priced as BF16 with 2-byte tensors; dynamic loss
// scaling adds one finiteness check of the gradients per step, negligible beside the step (not priced).
enum class TrainingPrecision {
  kBf16,
  kFp16,
  kFp8Block,   // `fp8`: DeepSeek's block scaling, FP32 scales per 1x128 activation tile and 128x128 weight block
  kFp8Tensor,  // `fp8-tensor`: Transformer Engine's delayed scaling, one FP32 scale per tensor from an amax history
  kMxfp8,      // `mxfp8`: OCP MX, one E8M0 (1-byte) scale per 1x32 block; Blackwell tensor cores only
};

struct PrecisionPolicy {
  TrainingPrecision format = TrainingPrecision::kFp8Block;
  bool fp8_gemms = true;  // Fprop/Dgrad/Wgrad GEMMs of layers in FP8 (embedding, head, gating stay BF16/FP32)
  bool fp8_dispatch = true;  // EP dispatch sends FP8 with 1x128 scales (DeepEP); combine is always BF16
};

// The policy a `training.precision` value sets: FP8 dispatch only with DeepSeek's recipe (DeepEP); Megatron's
// all-to-all with Transformer Engine's recipes sends BF16.
PrecisionPolicy precision_policy(TrainingPrecision format);

std::string_view precision_name(TrainingPrecision format);  // "bf16", "fp16", "fp8", "fp8-tensor", "mxfp8"

// Bytes per element of an FP8 tensor with its scales: one FP32 per 128 values (block), none worth counting
// (per tensor: one FP32 for the whole tensor), one byte per 32 values (MX). Block and MX both add 1/32.
double fp8_bytes_per_element(TrainingPrecision format);

// HBM bytes per element of the quantize ops ahead of and inside an FP8 GEMM's passes:
// - cast: BF16 read, FP8 written once (the forward input X);
// - cast_transpose: BF16 read, FP8 written in both layouts (dY feeds Dgrad as is and Wgrad transposed);
// - wgrad_transpose: the saved FP8 X made ready for Wgrad. Block and MX scales run along the contracted
//   dimension, so X is read, dequantized, transposed and re-quantized with scales along the tokens; one
//   per-tensor scale serves both layouts, so per-tensor X is only transposed (FP8 read and written).
double cast_bytes_per_element(TrainingPrecision format);
double cast_transpose_bytes_per_element(TrainingPrecision format);
double wgrad_transpose_bytes_per_element(TrainingPrecision format);

}  // namespace trainsim::models
