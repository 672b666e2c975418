// DeepSeek's expert-parallel load balancer (EPLB): redundant experts for the heaviest loads, packed onto the
// GPUs of an EP group so their loads even out. The two policies and their tie-breaking follow
// github.com/deepseek-ai/EPLB (eplb.py and README; docs/sources.md#eplb), rewritten here, not copied.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "models/expert_placement.h"

namespace trainsim::models {

enum class EplbPolicy {
  kHierarchical,  // expert groups packed to nodes, replicas made within each node, then packed to its GPUs
  kGlobal,        // replicas made over all experts regardless of groups, then packed to all GPUs
};

struct EplbShape {
  int physical_slots = 0;  // expert slots of one layer over the whole EP group (logical experts + redundant)
  int groups = 1;          // expert groups of the router (DeepSeek-V3: 8 groups of 32 experts)
  int nodes = 1;           // nodes of the EP group (NVLink inside, InfiniBand across)
  int gpus = 1;            // GPUs (EP ranks) of the group, nodes x GPUs per node
};

// The plan for every MoE layer. placements[l].logical_of_slot is DeepSeek's phy2log row: slot s lives on GPU
// s / slots_per_rank. replicas[l][e] is how many slots logical expert e has (its logcnt, at least 1).
struct EplbPlan {
  EplbPolicy policy = EplbPolicy::kHierarchical;
  std::vector<ExpertPlacement> placements;  // [layer]
  std::vector<std::vector<int>> replicas;   // [layer][logical expert]
};

// The hierarchical policy when the nodes divide the groups (it keeps a group on one node, so node-limited
// routing still reaches few nodes), the global policy otherwise (EPLB README, "The Algorithm").
EplbPolicy eplb_policy(const EplbShape& shape);

// What makes `shape` impossible for `num_experts` logical experts, one sentence with the numbers; empty when
// it is fine. Loaders put it in a ConfigError at the key's location; eplb_rebalance throws it as an Error.
std::string eplb_shape_problem(const EplbShape& shape, int num_experts);

// The plan for loads[layer][logical expert] (tokens or rows per expert over a window, any non-negative,
// finite scale). Throws trainsim::Error on an impossible shape, ragged or negative loads.
EplbPlan eplb_rebalance(const std::vector<std::vector<double>>& loads, const EplbShape& shape);

// The building blocks, each one of eplb.py's functions for one layer (exposed for their tests).

// Items into `packs` packs of exactly items / packs items each: heaviest first, each to the lightest pack
// with room (the first such pack on a tie); equal weights keep their input order. With one item per pack,
// item i goes to pack i unsorted, as in eplb.py.
struct Packing {
  std::vector<int> pack_of_item;
  std::vector<int> rank_in_pack;  // order of arrival in its pack: 0, 1, ...
};
Packing balanced_packing(std::span<const double> weights, int packs);

// `physical` slots for loads.size() logical experts: slot e < loads.size() holds expert e, each further
// slot a replica of the expert with the highest load per replica so far (the first such expert on a tie).
struct Replication {
  std::vector<int> logical_of_physical;  // [physical slot] -> logical expert
  std::vector<int> replicas;             // [logical expert] -> slots holding it
};
Replication replicate_experts(std::span<const double> loads, int physical);

}  // namespace trainsim::models
