// AttentionKernel: how the attention core runs, which decides what it keeps for backward. Flash (Dao et al.
// 2022): one fused kernel each way, keeping O and the log-sum-exp. Unfused (Megatron-LM 2021, the baseline of
// Korthikanti et al. 2022): QK^T and x V as batched GEMMs around a fused softmax and dropout, keeping s x s tensors.
#pragma once
#include <string_view>

namespace trainsim::models {

enum class AttentionKernel { kFlash, kUnfused };

constexpr std::string_view attention_kernel_name(AttentionKernel kernel) {
  return kernel == AttentionKernel::kUnfused ? "unfused" : "flash";
}

}  // namespace trainsim::models
