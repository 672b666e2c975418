// Expert loads: MaxVio (max load / mean load - 1, the imbalance measure of the auxiliary-loss-free balancing
// paper, arXiv 2408.15664), a seeded generator of loads with a given MaxVio, and routings that realize them.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace trainsim::kernels {

// max load / mean load - 1 over all experts (0 when balanced); 0 for no rows at all.
double max_vio(std::span<const int64_t> loads);

// Rows per expert counted from expert ids (ids outside [0, num_experts) are skipped: another GPU's experts).
std::vector<int64_t> loads_from_ids(std::span<const int> expert_ids, int num_experts);

// `total_rows` split over `num_experts` with MaxVio close to `target_max_vio` (exact up to rounding of
// (1 + v) * mean to whole rows). 0: loads equal to within one row. Otherwise one hot expert, chosen by the
// seed, takes round((1 + v) * mean) rows and the others share the rest with seeded jitter of at most
// +-25%, never above the hot one. Throws std::invalid_argument unless 0 <= v <= num_experts - 1.
std::vector<int64_t> skewed_loads(int num_experts, int64_t total_rows, double target_max_vio, uint64_t seed);

// Expert ids for tokens x top_k slots whose loads are exactly `loads` (which must sum to tokens * top_k):
// the multiset of ids, shuffled by the seed. A token may draw one expert twice; permute and combine allow it.
std::vector<int> ids_for_loads(std::span<const int64_t> loads, int64_t tokens, int top_k, uint64_t seed);

}  // namespace trainsim::kernels
