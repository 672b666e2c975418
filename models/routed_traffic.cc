// One pass over tokens: each token's distinct target ranks, grouped by node, price one IB copy per remote
// node and one NVLink copy per further rank (see the header for the path).
#include "models/routed_traffic.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace trainsim::models {

TokenBytes token_bytes(const ModelConfig& model) {
  const double h = model.hidden_size;
  return {h + 4.0 * std::ceil(h / 128.0), 2.0 * h};
}

std::vector<int> ranks_of_pairs(const TokenRouting& routing, const ExpertPlacement& placement) {
  const int slots = placement.ranks * placement.slots_per_rank;
  TS_CHECK(static_cast<int>(placement.logical_of_slot.size()) == slots);
  std::vector<std::vector<int>> slots_of(static_cast<size_t>(placement.num_experts));
  for (int s = 0; s < slots; ++s) slots_of[static_cast<size_t>(placement.logical_of_slot[size_t(s)])].push_back(s);
  for (size_t e = 0; e < slots_of.size(); ++e) TS_CHECK(!slots_of[e].empty(), "expert {} has no slot", e);
  std::vector<size_t> next(slots_of.size(), 0);
  std::vector<int> ranks(routing.expert_ids.size());
  for (size_t i = 0; i < ranks.size(); ++i) {
    const auto e = static_cast<size_t>(routing.expert_ids[i]);
    const std::vector<int>& own = slots_of[e];
    ranks[i] = placement.rank_of_slot(own[next[e]]);
    next[e] = next[e] + 1 == own.size() ? 0 : next[e] + 1;
  }
  return ranks;
}

RoutedLayerLoad routed_layer_load(int layer, const TokenRouting& routing, int64_t tokens_per_rank,
                                  const ExpertPlacement& placement, const EpGroupShape& group,
                                  const TokenBytes& bytes) {
  const int ep = group.ep;
  const int g = std::min(ep, group.gpus_per_node);
  TS_CHECK(placement.ranks == ep && ep % g == 0 && tokens_per_rank >= 1);
  TS_CHECK(routing.tokens() == tokens_per_rank * ep, "{} tokens routed for {} ranks of {}", routing.tokens(), ep,
           tokens_per_rank);
  RoutedLayerLoad load;
  load.layer = layer;
  load.rows_per_rank.assign(static_cast<size_t>(ep), 0);
  const size_t cells = static_cast<size_t>(ep) * static_cast<size_t>(ep);
  for (EpTrafficMatrix* m : {&load.dispatch, &load.combine}) {
    m->ep = ep;
    m->nic_bytes.assign(cells, 0.0);
    m->nvlink_bytes.assign(cells, 0.0);
  }
  const std::vector<int> ranks = ranks_of_pairs(routing, placement);
  const auto k = static_cast<size_t>(routing.top_k);
  std::vector<int> targets;
  targets.reserve(k);
  for (int64_t t = 0; t < routing.tokens(); ++t) {
    const int sender = static_cast<int>(t / tokens_per_rank);
    targets.assign(ranks.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(t) * k),
                   ranks.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(t + 1) * k));
    for (int r : targets) ++load.rows_per_rank[static_cast<size_t>(r)];
    std::sort(targets.begin(), targets.end());  // by rank, so by node: ranks of a node are consecutive
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    int node = -1, landing = -1;
    for (int r : targets) {
      if (r / g != node) {
        node = r / g;
        landing = node == sender / g ? sender : node * g + sender % g;
        if (landing != sender) {
          load.dispatch.nic_bytes[load.dispatch.index(sender, landing)] += bytes.dispatch;
          load.combine.nic_bytes[load.combine.index(landing, sender)] += bytes.combine;
        }
      }
      if (r != landing) {
        load.dispatch.nvlink_bytes[load.dispatch.index(landing, r)] += bytes.dispatch;
        load.combine.nvlink_bytes[load.combine.index(r, landing)] += bytes.combine;
      }
    }
  }
  return load;
}

}  // namespace trainsim::models
