// Which family an op's kernel falls in (see kernel_family.h).
#include "hardware/kernel_family.h"

#include <array>

namespace trainsim::hw {
namespace {

constexpr std::array<std::string_view, kKernelFamilyCount> kNames{
    "fp8_gemm", "fp8_weight_gemm", "bf16_gemm", "attention_forward", "attention_backward", "memory_bound"};

}  // namespace

std::string_view kernel_family_name(KernelFamily family) { return kNames[static_cast<std::size_t>(family)]; }

std::optional<KernelFamily> kernel_family_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<KernelFamily>(i);
  return std::nullopt;
}

std::optional<KernelFamily> kernel_family_of(models::OpKind kind, models::Dtype dtype, models::Pass pass,
                                             bool recomputed) {
  using models::OpKind;
  switch (kind) {
    case OpKind::kGemm:
    case OpKind::kGroupedGemm:
      if (dtype != models::Dtype::kFp8) return KernelFamily::kBf16Gemm;
      return pass == models::Pass::kBackwardWeight ? KernelFamily::kFp8WeightGemm : KernelFamily::kFp8Gemm;
    case OpKind::kAttention:
      // Forward, and forward recomputed inside backward, run the forward kernel; Bi runs the backward one.
      return pass == models::Pass::kForward || recomputed ? KernelFamily::kAttentionForward
                                                          : KernelFamily::kAttentionBackward;
    case OpKind::kNorm:
    case OpKind::kElementwise:
    case OpKind::kQuantize:
    case OpKind::kRouter:
    case OpKind::kPermute:
    case OpKind::kEmbedding: return KernelFamily::kMemoryBound;
    case OpKind::kCommunication: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<KernelFamily> kernel_family_of(const models::Op& op) {
  return kernel_family_of(op.kind, op.dtype, op.pass, op.recomputed);
}

}  // namespace trainsim::hw
