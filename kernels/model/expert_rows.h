// One expert's rows of an ExpertLayout (permute_ref.h) as the device kernels index them: each row's token and slot
// (slot = token x top_k + rank). moe_layer.h's gather, scatter-add and combine loop over the same rows in the same
// order; the CUDA back-end uploads these indices with an expert's rows (memory_bound_kernels.cuh).
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/moe/permute_ref.h"

namespace trainsim::kernels::model {

struct ExpertRows {
  std::vector<int> token_of_row;
  std::vector<int64_t> slot_of_row;
};

inline ExpertRows expert_rows(const ExpertLayout& layout, int expert) {
  ExpertRows rows;
  const int64_t first = layout.offsets[expert], count = layout.counts[expert];
  for (int64_t r = 0; r < count; ++r) {
    const int64_t slot = layout.slot_of[first + r];
    rows.slot_of_row.push_back(slot);
    rows.token_of_row.push_back(static_cast<int>(slot / layout.top_k));
  }
  return rows;
}

}  // namespace trainsim::kernels::model
