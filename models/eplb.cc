// DeepSeek's EPLB policies (eplb.h). The order of every choice follows eplb.py so the README's example comes
// out slot for slot: a stable descending sort, the first lightest pack, the first heaviest load per replica.
// NOTE: eplb.py compares float32 sums; here they are doubles. Integer loads below 2^24 tie the same way in
// both; fractional loads could break a near-tie differently (and more exactly) here.
#include "models/eplb.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace trainsim::models {
namespace {

std::size_t at(int i) { return static_cast<std::size_t>(i); }

// One layer under the hierarchical policy (the global policy is this with one group on one node).
void plan_layer(std::span<const double> loads, const EplbShape& shape, int groups, int nodes,
                ExpertPlacement& placement, std::vector<int>& replicas) {
  const int experts = static_cast<int>(loads.size());
  const int group_size = experts / groups;
  const int experts_per_node = experts / nodes;
  const int slots_per_node = shape.physical_slots / nodes;
  const int gpus_per_node = shape.gpus / nodes;
  const int slots_per_gpu = shape.physical_slots / shape.gpus;

  // Step 1: whole groups to nodes. Node n's experts are renumbered n * experts_per_node + ... in the order
  // its groups arrived, each group's experts in their own order.
  std::vector<double> group_loads(at(groups), 0.0);
  for (int e = 0; e < experts; ++e) group_loads[at(e / group_size)] += loads[at(e)];
  const Packing node_of_group = balanced_packing(group_loads, nodes);
  std::vector<int> logical_of_node_expert(at(experts));
  for (int e = 0; e < experts; ++e) {
    const int g = e / group_size;
    const int slot = node_of_group.pack_of_item[at(g)] * (groups / nodes) + node_of_group.rank_in_pack[at(g)];
    logical_of_node_expert[at(slot * group_size + e % group_size)] = e;
  }

  placement = ExpertPlacement{experts, shape.gpus, slots_per_gpu, std::vector<int>(at(shape.physical_slots), -1)};
  replicas.assign(at(experts), 0);
  std::vector<double> node_loads(at(experts_per_node));
  std::vector<double> slot_loads(at(slots_per_node));
  for (int n = 0; n < nodes; ++n) {
    const auto logical = [&](int node_expert) {
      return logical_of_node_expert[at(n * experts_per_node + node_expert)];
    };
    // Step 2: replicas within the node.
    for (int i = 0; i < experts_per_node; ++i) node_loads[at(i)] = loads[at(logical(i))];
    const Replication replication = replicate_experts(node_loads, slots_per_node);
    for (int i = 0; i < experts_per_node; ++i) replicas[at(logical(i))] = replication.replicas[at(i)];
    // Step 3: the node's slots to its GPUs, each slot carrying its expert's load split evenly.
    for (int p = 0; p < slots_per_node; ++p) {
      const int i = replication.logical_of_physical[at(p)];
      slot_loads[at(p)] = node_loads[at(i)] / replication.replicas[at(i)];
    }
    const Packing gpu_of_slot = balanced_packing(slot_loads, gpus_per_node);
    for (int p = 0; p < slots_per_node; ++p) {
      const int gpu = gpu_of_slot.pack_of_item[at(p)];
      const int slot = n * slots_per_node + gpu * slots_per_gpu + gpu_of_slot.rank_in_pack[at(p)];
      placement.logical_of_slot[at(slot)] = logical(replication.logical_of_physical[at(p)]);
    }
  }
}

}  // namespace

EplbPolicy eplb_policy(const EplbShape& shape) {
  return shape.nodes > 0 && shape.groups % shape.nodes == 0 ? EplbPolicy::kHierarchical : EplbPolicy::kGlobal;
}

std::string eplb_shape_problem(const EplbShape& shape, int num_experts) {
  if (num_experts < 1) return fmt::format("EPLB needs at least one logical expert, got {}", num_experts);
  if (shape.groups < 1 || shape.nodes < 1 || shape.gpus < 1)
    return fmt::format("EPLB needs at least one group, node and GPU, got {} groups, {} nodes, {} GPUs", shape.groups,
                       shape.nodes, shape.gpus);
  if (num_experts % shape.groups != 0)
    return fmt::format("{} expert groups do not divide {} logical experts", shape.groups, num_experts);
  if (shape.gpus % shape.nodes != 0)
    return fmt::format("{} GPUs do not spread evenly over {} nodes", shape.gpus, shape.nodes);
  if (shape.physical_slots < num_experts)
    return fmt::format("{} physical expert slots cannot hold {} logical experts (redundant slots add to them)",
                       shape.physical_slots, num_experts);
  if (shape.physical_slots % shape.gpus != 0)
    return fmt::format("{} physical expert slots are not a multiple of {} GPUs (each GPU holds as many)",
                       shape.physical_slots, shape.gpus);
  return {};
}

EplbPlan eplb_rebalance(const std::vector<std::vector<double>>& loads, const EplbShape& shape) {
  const int experts = loads.empty() ? 0 : static_cast<int>(loads.front().size());
  if (const std::string problem = eplb_shape_problem(shape, experts); !problem.empty()) throw Error(problem);
  for (std::size_t l = 0; l < loads.size(); ++l) {
    if (loads[l].size() != loads.front().size())
      throw Error(fmt::format("EPLB loads of layer {} list {} experts, layer 0 lists {}", l, loads[l].size(),
                              loads.front().size()));
    for (std::size_t e = 0; e < loads[l].size(); ++e)
      if (!std::isfinite(loads[l][e]) || loads[l][e] < 0)
        throw Error(
            fmt::format("EPLB load of layer {} expert {} is {}; expected a finite load >= 0", l, e, loads[l][e]));
  }
  EplbPlan plan;
  plan.policy = eplb_policy(shape);
  const bool hierarchical = plan.policy == EplbPolicy::kHierarchical;
  plan.placements.resize(loads.size());
  plan.replicas.resize(loads.size());
  for (std::size_t l = 0; l < loads.size(); ++l)
    plan_layer(loads[l], shape, hierarchical ? shape.groups : 1, hierarchical ? shape.nodes : 1, plan.placements[l],
               plan.replicas[l]);
  return plan;
}

Packing balanced_packing(std::span<const double> weights, int packs) {
  const int items = static_cast<int>(weights.size());
  TS_CHECK(packs > 0 && items % packs == 0, "{} items do not split into {} equal packs", items, packs);
  const int per_pack = items / packs;
  Packing packing{std::vector<int>(at(items)), std::vector<int>(at(items))};
  if (per_pack == 1) {  // one item each: eplb.py keeps the input order rather than sorting
    std::iota(packing.pack_of_item.begin(), packing.pack_of_item.end(), 0);
    return packing;
  }
  std::vector<int> order(at(items));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return weights[at(a)] > weights[at(b)]; });
  std::vector<double> pack_weight(at(packs), 0.0);
  std::vector<int> pack_items(at(packs), 0);
  for (int item : order) {
    int best = -1;
    for (int p = 0; p < packs; ++p)
      if (pack_items[at(p)] < per_pack && (best < 0 || pack_weight[at(p)] < pack_weight[at(best)])) best = p;
    packing.pack_of_item[at(item)] = best;
    packing.rank_in_pack[at(item)] = pack_items[at(best)]++;
    pack_weight[at(best)] += weights[at(item)];
  }
  return packing;
}

Replication replicate_experts(std::span<const double> loads, int physical) {
  const int logical = static_cast<int>(loads.size());
  TS_CHECK(logical > 0 && physical >= logical, "{} slots for {} experts", physical, logical);
  Replication replication{std::vector<int>(at(physical)), std::vector<int>(at(logical), 1)};
  std::iota(replication.logical_of_physical.begin(), replication.logical_of_physical.begin() + logical, 0);
  for (int p = logical; p < physical; ++p) {
    int heaviest = 0;
    for (int e = 1; e < logical; ++e)
      if (loads[at(e)] / replication.replicas[at(e)] > loads[at(heaviest)] / replication.replicas[at(heaviest)])
        heaviest = e;
    replication.logical_of_physical[at(p)] = heaviest;
    ++replication.replicas[at(heaviest)];
  }
  return replication;
}

}  // namespace trainsim::models
