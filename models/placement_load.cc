// Rank loads under an expert placement (placement_load.h).
#include "models/placement_load.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace trainsim::models {

std::vector<int> replica_counts(const ExpertPlacement& placement) {
  std::vector<int> counts(static_cast<std::size_t>(placement.num_experts), 0);
  for (int logical : placement.logical_of_slot) {
    TS_CHECK(logical >= 0 && logical < placement.num_experts, "slot holds expert {} of {}", logical,
             placement.num_experts);
    ++counts[static_cast<std::size_t>(logical)];
  }
  return counts;
}

std::vector<double> rank_loads(std::span<const double> expert_loads, const ExpertPlacement& placement) {
  TS_CHECK(static_cast<int>(expert_loads.size()) == placement.num_experts, "{} loads for {} experts",
           expert_loads.size(), placement.num_experts);
  TS_CHECK(static_cast<int>(placement.logical_of_slot.size()) == placement.ranks * placement.slots_per_rank,
           "{} slots on {} ranks of {}", placement.logical_of_slot.size(), placement.ranks, placement.slots_per_rank);
  const std::vector<int> counts = replica_counts(placement);
  for (std::size_t e = 0; e < counts.size(); ++e)
    TS_CHECK(counts[e] > 0 || expert_loads[e] == 0, "expert {} has load {} but no slot", e, expert_loads[e]);
  std::vector<double> loads(static_cast<std::size_t>(placement.ranks), 0.0);
  for (std::size_t slot = 0; slot < placement.logical_of_slot.size(); ++slot) {
    const auto logical = static_cast<std::size_t>(placement.logical_of_slot[slot]);
    loads[static_cast<std::size_t>(placement.rank_of_slot(static_cast<int>(slot)))] +=
        expert_loads[logical] / counts[logical];
  }
  return loads;
}

double load_imbalance(std::span<const double> rank_loads) {
  if (rank_loads.empty()) return 0;
  const double total = std::accumulate(rank_loads.begin(), rank_loads.end(), 0.0);
  if (total <= 0) return 0;
  const double mean = total / static_cast<double>(rank_loads.size());
  return *std::max_element(rank_loads.begin(), rank_loads.end()) / mean - 1;
}

}  // namespace trainsim::models
