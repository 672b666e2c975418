// What a layer's expert loads put on each EP rank under an expert placement: a logical expert with several
// slots (EPLB's redundant experts) splits its load evenly between them (docs/sources.md#eplb), and the
// imbalance is MaxVio's form, max / mean - 1 (Wang et al. 2024, "Auxiliary-Loss-Free Load Balancing").
#pragma once
#include <span>
#include <vector>

#include "models/expert_placement.h"

namespace trainsim::models {

// Slots holding each logical expert: [logical expert] -> count (0 for an expert the placement leaves out).
std::vector<int> replica_counts(const ExpertPlacement& placement);

// [EP rank] -> rows (or tokens) its slots compute, for expert_loads[logical expert]. Every logical expert
// with load must have a slot (TS_CHECK: a placement that drops a loaded expert loses its tokens).
std::vector<double> rank_loads(std::span<const double> expert_loads, const ExpertPlacement& placement);

// max / mean - 1 over the ranks' loads: 0 when balanced; 0 for no load at all.
double load_imbalance(std::span<const double> rank_loads);

}  // namespace trainsim::models
