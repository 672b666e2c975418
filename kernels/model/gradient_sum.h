// The sum autograd does where one input feeds two ops: their two gradients for it added, in place into the first.
// The reduced model runs it where MLA's normed input feeds q_down and kv_down and where the MoE layer's feeds the gate
// and the experts, as DeepSeek's own trace shows (models/layer_builder.h gradient_sum, the catalog's op for it), and
// where the residual stream forks into a block and its skip (timed inside the norms' backward ops: that trace shows no
// kernel of its own for it).
#pragma once
#include <cstddef>
#include <span>
#include <stdexcept>

namespace trainsim::kernels::model {

inline void add_gradient(std::span<double> sum, std::span<const double> other) {
  if (sum.size() != other.size()) throw std::invalid_argument("add_gradient: the two gradients differ in size");
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += other[i];
}

}  // namespace trainsim::kernels::model
