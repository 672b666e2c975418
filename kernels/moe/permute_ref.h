// CPU reference of token permutation into expert-contiguous order, the way back, and the gated combine.
// Padding rule: each expert's rows start at a multiple of kExpertRowAlign (the grouped GEMM's row tile, as in
// DeepGEMM's contiguous layout), so every row tile of the grouped GEMM belongs to exactly one expert.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace trainsim::kernels {

// Row alignment of each expert's segment: the grouped GEMM's BLOCK_M.
inline constexpr int kExpertRowAlign = 128;

// Where each (token, slot) goes. Slot s = token * top_k + k. Within an expert, rows follow ascending slot order
// (deterministic). An id outside [0, num_experts) is another GPU's expert: that slot gets no row (row -1).
struct ExpertLayout {
  int num_experts = 0;
  int top_k = 0;
  int align_rows = kExpertRowAlign;
  std::vector<int64_t> counts;   // rows each expert receives (real rows, no padding)
  std::vector<int64_t> offsets;  // num_experts + 1: expert e owns rows [offsets[e], offsets[e + 1]), real rows
                                 // first, then padding up to the next multiple of align_rows
  std::vector<int64_t> row_of;   // per slot: its row, or -1
  std::vector<int64_t> slot_of;  // per row: its slot, or -1 for a padding row
  int64_t tokens() const { return static_cast<int64_t>(row_of.size()) / top_k; }
  int64_t total_rows() const { return offsets.back(); }
};

// A layout for expert_ids[tokens * top_k]; align_rows >= 1.
ExpertLayout plan_expert_layout(std::span<const int> expert_ids, int top_k, int num_experts,
                                int align_rows = kExpertRowAlign);

// out[row] = x[slot_of[row] / top_k] (hidden values per row); padding rows are zero. out: total_rows * hidden.
void permute_ref(const ExpertLayout& layout, std::span<const float> x, int hidden, std::span<float> out);

// out[slot] = y[row_of[slot]]; a slot without a row gets zeros. out: tokens * top_k * hidden.
void unpermute_ref(const ExpertLayout& layout, std::span<const float> y, int hidden, std::span<float> out);

// out[t] = sum over k of gates[t * top_k + k] * y[row_of[t * top_k + k]], slots without a row skipped; FP64.
void combine_ref(const ExpertLayout& layout, std::span<const float> y, std::span<const float> gates, int hidden,
                 std::span<double> out);

}  // namespace trainsim::kernels
