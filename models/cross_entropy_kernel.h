// CrossEntropyKernel: how the loss over the output head's logits runs. Fused: one kernel each way on the
// 16-bit logits (Megatron-Core's --cross-entropy-loss-fusion, Liger's and DeepSeek's kind). Unfused:
// Megatron-LM's vocab-parallel cross-entropy, which casts the logits to FP32 and walks them op by op (max,
// subtract, exp, sum, divide), keeping the FP32 softmax for backward (megatron/mpu/cross_entropy.py, 2021;
// the default of Megatron-Core's tensor_parallel.vocab_parallel_cross_entropy still).
#pragma once
#include <string_view>

namespace trainsim::models {

enum class CrossEntropyKernel { kFused, kUnfused };

constexpr std::string_view cross_entropy_kernel_name(CrossEntropyKernel kernel) {
  return kernel == CrossEntropyKernel::kUnfused ? "unfused" : "fused";
}

}  // namespace trainsim::models
