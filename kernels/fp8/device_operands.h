// Device-side operands of one training GEMM (training_gemm.h): the layer's tensors quantized on the GPU by
// the sm90_fp8_quantize kernels into A and B with the tiling DeepSeek-V3 uses for Fprop, Dgrad or Wgrad.
#pragma once
#include <cstdint>

#include "kernels/fp8/gpu_harness.cuh"
#include "kernels/fp8/sm90_fp8_gemm.h"
#include "kernels/fp8/sm90_fp8_quantize.h"

namespace trainsim::kernels::fp8 {

struct DeviceOperands {
  GemmShape shape;
  ScaleTiling b_tiling = ScaleTiling::kBlock128x128;
  DeviceBuffer<uint8_t> a, b, spare;  // spare: the untransposed weight codes Dgrad's quantizer also writes
  DeviceBuffer<float> a_scales, b_scales, spare_scales;

  Fp8GemmArgs args(void* d, OutputType d_type) const {
    return Fp8GemmArgs{shape.m, shape.n, shape.k, a.get(), a_scales.get(), b.get(), b_scales.get(), b_tiling, d, d_type};
  }
};

// `first`, `second`: FP32 device tensors in make_training_operands' order (Fprop X, W; Dgrad dY, W; Wgrad dY, X).
inline DeviceOperands quantize_training_operands(GemmKind kind, int tokens, int in_features, int out_features,
                                                 const float* first, const float* second, cudaStream_t stream) {
  DeviceOperands ops;
  ops.shape = training_gemm_shape(kind, tokens, in_features, out_features);
  const GemmShape& s = ops.shape;
  ops.a = DeviceBuffer<uint8_t>(static_cast<size_t>(s.m) * s.k);
  ops.b = DeviceBuffer<uint8_t>(static_cast<size_t>(s.n) * s.k);
  ops.a_scales = DeviceBuffer<float>(scale_count(ScaleTiling::kRow1x128, s.m, s.k));
  switch (kind) {
    case GemmKind::kFprop:
      ops.b_scales = DeviceBuffer<float>(scale_count(ScaleTiling::kBlock128x128, s.n, s.k));
      sm90_fp8_quantize_rows({first, InputType::kFP32, tokens, in_features}, ops.a.get(), ops.a_scales.get(), stream);
      sm90_fp8_quantize_blocks({second, InputType::kFP32, out_features, in_features}, ops.b.get(), ops.b_scales.get(),
                               nullptr, nullptr, stream);
      break;
    case GemmKind::kDgrad:
      ops.b_scales = DeviceBuffer<float>(scale_count(ScaleTiling::kBlock128x128, s.n, s.k));
      ops.spare = DeviceBuffer<uint8_t>(static_cast<size_t>(s.n) * s.k);
      ops.spare_scales = DeviceBuffer<float>(scale_count(ScaleTiling::kBlock128x128, out_features, in_features));
      sm90_fp8_quantize_rows({first, InputType::kFP32, tokens, out_features}, ops.a.get(), ops.a_scales.get(), stream);
      sm90_fp8_quantize_blocks({second, InputType::kFP32, out_features, in_features}, ops.spare.get(),
                               ops.spare_scales.get(), ops.b.get(), ops.b_scales.get(), stream);
      break;
    case GemmKind::kWgrad:
      ops.b_tiling = ScaleTiling::kRow1x128;
      ops.b_scales = DeviceBuffer<float>(scale_count(ScaleTiling::kRow1x128, s.n, s.k));
      sm90_fp8_quantize_rows_transposed({first, InputType::kFP32, tokens, out_features}, ops.a.get(),
                                        ops.a_scales.get(), stream);
      sm90_fp8_quantize_rows_transposed({second, InputType::kFP32, tokens, in_features}, ops.b.get(),
                                        ops.b_scales.get(), stream);
      break;
  }
  return ops;
}

}  // namespace trainsim::kernels::fp8
