// FP8 recipes' bytes per element (see precision_policy.h). Block: DeepSeek-V3 tech report 3.3.2 (1x128 tiles
// with FP32 scales); per tensor: Transformer Engine's DelayedScaling (one FP32 scale per tensor); MX: OCP
// Microscaling Formats (MX) v1.0, section 5 (32-element blocks, an E8M0 shared scale of 8 bits).
#include "models/precision_policy.h"

#include "models/op.h"

namespace trainsim::models {
namespace {


}  // namespace

PrecisionPolicy precision_policy(TrainingPrecision format) {
  PrecisionPolicy p;
  p.format = format;
  p.fp8_gemms = format == TrainingPrecision::kFp8Block || format == TrainingPrecision::kFp8Tensor ||
                format == TrainingPrecision::kMxfp8;
  p.fp8_dispatch = format == TrainingPrecision::kFp8Block;
  return p;
}

std::string_view precision_name(TrainingPrecision format) {
  switch (format) {
    case TrainingPrecision::kBf16: return "bf16";
    case TrainingPrecision::kFp16: return "fp16";
    case TrainingPrecision::kFp8Block: return "fp8";
    case TrainingPrecision::kFp8Tensor: return "fp8-tensor";
    case TrainingPrecision::kMxfp8: return "mxfp8";
  }
  return "unknown";
}

double fp8_bytes_per_element(TrainingPrecision format) {
  switch (format) {
    case TrainingPrecision::kFp8Tensor: return 1.0;  // one 4-byte scale per tensor: under 1e-6 of its bytes
    case TrainingPrecision::kMxfp8: return 1.0 + 1.0 / 32.0;
    default: return 1.0 + 4.0 / 128.0;
  }
}

double cast_bytes_per_element(TrainingPrecision format) { return bytes_per_element(Dtype::kBf16) + fp8_bytes_per_element(format); }

double cast_transpose_bytes_per_element(TrainingPrecision format) {
  return bytes_per_element(Dtype::kBf16) + 2.0 * fp8_bytes_per_element(format);
}

double wgrad_transpose_bytes_per_element(TrainingPrecision format) {
  // Block and MX: FP8 with scales read and written again; per tensor: FP8 read and written, no scales.
  return 2.0 * fp8_bytes_per_element(format);
}

}  // namespace trainsim::models
