// Operand preparation for Fprop, Dgrad and Wgrad (see training_gemm.h); CPU side, used by tests and checks.
#include "kernels/fp8/training_gemm.h"

#include <stdexcept>

namespace trainsim::kernels::fp8 {

std::string_view to_string(GemmKind kind) {
  switch (kind) {
    case GemmKind::kFprop: return "fprop";
    case GemmKind::kDgrad: return "dgrad";
    case GemmKind::kWgrad: return "wgrad";
  }
  return "?";
}

std::string_view to_string(OutputType type) { return type == OutputType::kBF16 ? "bf16" : "fp32"; }

GemmShape training_gemm_shape(GemmKind kind, int tokens, int in_features, int out_features) {
  switch (kind) {
    case GemmKind::kFprop: return {tokens, out_features, in_features};
    case GemmKind::kDgrad: return {tokens, in_features, out_features};
    case GemmKind::kWgrad: return {out_features, in_features, tokens};
  }
  throw std::invalid_argument("training_gemm_shape: unknown kind");
}

GemmOperands make_training_operands(GemmKind kind, int tokens, int in_features, int out_features,
                                    std::span<const float> first, std::span<const float> second,
                                    bool power_of_two_scales) {
  const bool p2 = power_of_two_scales;
  switch (kind) {
    case GemmKind::kFprop:
      return {quantize_ref(first, tokens, in_features, ScaleTiling::kRow1x128, p2),
              quantize_ref(second, out_features, in_features, ScaleTiling::kBlock128x128, p2)};
    case GemmKind::kDgrad:
      return {quantize_ref(first, tokens, out_features, ScaleTiling::kRow1x128, p2),
              quantize_transposed_ref(second, out_features, in_features, ScaleTiling::kBlock128x128, p2)};
    case GemmKind::kWgrad:
      return {quantize_transposed_ref(first, tokens, out_features, ScaleTiling::kRow1x128, p2),
              quantize_transposed_ref(second, tokens, in_features, ScaleTiling::kRow1x128, p2)};
  }
  throw std::invalid_argument("make_training_operands: unknown kind");
}

}  // namespace trainsim::kernels::fp8
