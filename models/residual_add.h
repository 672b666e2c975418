// ResidualAdd: how a block's output joins the residual stream, x + f(x), in forward, and how the stream's gradient
// joins the branch's in backward. Fused: inside a neighbouring kernel, no op of its own (DeepSeek-V3's trace shows
// no separate forward add, and in backward only the sums of inputs read twice, which the catalog prices as
// input_grad_sum: hardware/calibration/traces/README.md). Separate: an element-wise kernel each (PyTorch eager's
// `x + f(x)`, and autograd's sum of the two gradients of the block's input), as the reduced DeepSeek-V3 of
// kernels/model runs them: per block, two adds forward and two gradient sums backward.
#pragma once
#include <string_view>

namespace trainsim::models {

enum class ResidualAdd { kFused, kSeparate };

constexpr std::string_view residual_add_name(ResidualAdd add) {
  return add == ResidualAdd::kSeparate ? "separate" : "fused";
}

}  // namespace trainsim::models
