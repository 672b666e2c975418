// The cost of one normalization over [rows, dim]: RMSNorm (Llama, DeepSeek) or LayerNorm (GPT-2/3: mean and
// variance, then scale and shift), forward and backward, and what it keeps for backward. Per-element FLOPs are
// counted operation by operation in layer_norms.cc; bytes are the BF16 tensors a fused kernel reads and writes.
#pragma once

namespace trainsim::models {

enum class NormKind { kRms, kLayer };

struct NormCost {
  double forward_flops = 0;
  double forward_bytes = 0;   // read x, write y
  double backward_flops = 0;  // dx, and the weight (and bias) gradients' column sums
  double backward_bytes = 0;  // read x and dy, write dx
  double saved_bytes = 0;     // x (BF16) and the per-row statistics (FP32): rstd, and the mean for LayerNorm
};

NormCost norm_cost(NormKind kind, double rows, double dim);

}  // namespace trainsim::models
