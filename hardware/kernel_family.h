// KernelFamily: the kernels that share one shape model and one set of fitted constants. An op of the catalog,
// a measured point of a calibration file and a profiled kernel each fall in one family (or in none: their
// time is then the datasheet roofline's), so a fit of a family's points prices exactly the ops of that family.
#pragma once
#include <optional>
#include <string_view>

#include "models/op.h"

namespace trainsim::hw {

enum class KernelFamily {
  kFp8Gemm,            // FP8 block-scaled GEMMs and grouped GEMMs of the forward and the input gradients
  kFp8WeightGemm,      // FP8 weight-gradient GEMMs: K runs over tokens, both operands per-channel scaled,
                       // accumulated into FP32 main gradients (tech report 3.3: a kernel of its own)
  kBf16Gemm,           // BF16 (and FP32-accumulating BF16) GEMMs: router gates, output heads, BF16 runs
  kAttentionForward,   // the flash forward kernel, also when backward recomputes it
  kAttentionBackward,  // the flash backward kernel with its pre- and post-processing
  kMemoryBound,        // norms, element-wise ops, FP8 casts, permutes, the router's top-k, embedding
};
inline constexpr int kKernelFamilyCount = static_cast<int>(KernelFamily::kMemoryBound) + 1;

// "fp8_gemm", "fp8_weight_gemm", "bf16_gemm", "attention_forward", "attention_backward", "memory_bound":
// the keys of calibration files and reports.
std::string_view kernel_family_name(KernelFamily family);
std::optional<KernelFamily> kernel_family_from_name(std::string_view name);

// The family of an op kind run in `dtype` in `pass` (`recomputed`: a forward op re-run inside backward);
// none for communication. A calibration point without a pass is read as a forward one.
std::optional<KernelFamily> kernel_family_of(models::OpKind kind, models::Dtype dtype, models::Pass pass,
                                             bool recomputed = false);
std::optional<KernelFamily> kernel_family_of(const models::Op& op);

}  // namespace trainsim::hw
