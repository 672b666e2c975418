// Permute, unpermute and combine, written as plainly as possible: they are what the device kernels must match.
#include "kernels/moe/permute_ref.h"

#include <algorithm>
#include <stdexcept>

namespace trainsim::kernels {

ExpertLayout plan_expert_layout(std::span<const int> expert_ids, int top_k, int num_experts, int align_rows) {
  if (top_k < 1 || num_experts < 1 || align_rows < 1 || expert_ids.size() % top_k != 0)
    throw std::invalid_argument("plan_expert_layout: need top_k, num_experts, align_rows >= 1 and whole tokens");
  ExpertLayout layout;
  layout.num_experts = num_experts;
  layout.top_k = top_k;
  layout.align_rows = align_rows;
  layout.counts.assign(num_experts, 0);
  for (int id : expert_ids)
    if (id >= 0 && id < num_experts) ++layout.counts[id];
  layout.offsets.assign(num_experts + 1, 0);
  for (int e = 0; e < num_experts; ++e)
    layout.offsets[e + 1] = layout.offsets[e] + (layout.counts[e] + align_rows - 1) / align_rows * align_rows;
  layout.row_of.assign(expert_ids.size(), -1);
  layout.slot_of.assign(layout.total_rows(), -1);
  std::vector<int64_t> next(layout.offsets.begin(), layout.offsets.end() - 1);
  for (size_t slot = 0; slot < expert_ids.size(); ++slot) {
    const int id = expert_ids[slot];
    if (id < 0 || id >= num_experts) continue;
    const int64_t row = next[id]++;
    layout.row_of[slot] = row;
    layout.slot_of[row] = static_cast<int64_t>(slot);
  }
  return layout;
}

void permute_ref(const ExpertLayout& layout, std::span<const float> x, int hidden, std::span<float> out) {
  for (int64_t row = 0; row < layout.total_rows(); ++row) {
    const int64_t slot = layout.slot_of[row];
    for (int h = 0; h < hidden; ++h)
      out[row * hidden + h] = slot < 0 ? 0.0f : x[slot / layout.top_k * hidden + h];
  }
}

void unpermute_ref(const ExpertLayout& layout, std::span<const float> y, int hidden, std::span<float> out) {
  for (size_t slot = 0; slot < layout.row_of.size(); ++slot) {
    const int64_t row = layout.row_of[slot];
    for (int h = 0; h < hidden; ++h) out[slot * hidden + h] = row < 0 ? 0.0f : y[row * hidden + h];
  }
}

void combine_ref(const ExpertLayout& layout, std::span<const float> y, std::span<const float> gates, int hidden,
                 std::span<double> out) {
  std::fill(out.begin(), out.end(), 0.0);
  for (size_t slot = 0; slot < layout.row_of.size(); ++slot) {
    const int64_t row = layout.row_of[slot];
    if (row < 0) continue;
    const int64_t token = static_cast<int64_t>(slot) / layout.top_k;
    for (int h = 0; h < hidden; ++h) out[token * hidden + h] += double(gates[slot]) * y[row * hidden + h];
  }
}

}  // namespace trainsim::kernels
