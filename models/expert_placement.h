// Where the routed experts of one MoE layer live: physical expert slots on the ranks of an EP group, each
// holding one logical expert. Uniform placement puts experts e*R/E ... on rank e*R/E (DeepSeek-V3: 256
// experts on EP 64, 4 per GPU, tech report section 3.4); redundant experts (DeepSeek's EPLB) give a logical
// expert several slots, and its tokens are split between them.
#pragma once
#include <cstddef>
#include <vector>

namespace trainsim::models {

struct ExpertPlacement {
  int num_experts = 0;     // logical experts
  int ranks = 0;           // EP ranks
  int slots_per_rank = 0;  // physical slots on each rank (num_experts / ranks without redundancy)
  std::vector<int> logical_of_slot;  // [rank * slots_per_rank + slot] -> logical expert

  int rank_of_slot(int physical_slot) const { return physical_slot / slots_per_rank; }
};

// Experts in order, num_experts / ranks per rank (ranks must divide num_experts; checked by the caller).
inline ExpertPlacement uniform_expert_placement(int num_experts, int ranks) {
  ExpertPlacement placement{num_experts, ranks, num_experts / ranks, {}};
  placement.logical_of_slot.resize(static_cast<std::size_t>(num_experts));
  for (int e = 0; e < num_experts; ++e) placement.logical_of_slot[static_cast<std::size_t>(e)] = e;
  return placement;
}

}  // namespace trainsim::models
