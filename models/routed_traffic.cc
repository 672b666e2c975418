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
  // The ranks of each logical expert's slots, in slot order (slot / slots_per_rank once per slot, not per row).
  std::vector<std::vector<int>> ranks_of(static_cast<size_t>(placement.num_experts));
  for (int s = 0; s < slots; ++s)
    ranks_of[static_cast<size_t>(placement.logical_of_slot[size_t(s)])].push_back(placement.rank_of_slot(s));
  for (size_t e = 0; e < ranks_of.size(); ++e) TS_CHECK(!ranks_of[e].empty(), "expert {} has no slot", e);
  std::vector<uint32_t> next(ranks_of.size(), 0);
  std::vector<int> ranks(routing.expert_ids.size());
  for (size_t i = 0; i < ranks.size(); ++i) {
    const auto e = static_cast<size_t>(routing.expert_ids[i]);
    const std::vector<int>& own = ranks_of[e];
    ranks[i] = own[next[e]];
    if (++next[e] == own.size()) next[e] = 0;
  }
  return ranks;
}

RoutedLayerLoad routed_layer_load(int layer, const TokenRouting& routing, int64_t tokens_per_rank,
                                  const ExpertPlacement& placement, const EpGroupShape& group,
                                  const TokenBytes& bytes) {
  const int ep = group.ep;
  const int g = std::min(ep, group.gpus_per_node);
  TS_CHECK(placement.ranks == ep && ep % g == 0 && tokens_per_rank >= 1 && routing.top_k <= kernels::kMaxTopK);
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
  std::vector<int> node_of(static_cast<size_t>(ep));  // NOTE: lookups, not divisions: this loop is the hot one
  for (int r = 0; r < ep; ++r) node_of[size_t(r)] = r / g;
  int targets[kernels::kMaxTopK];
  size_t pair = 0;
  for (int sender = 0; sender < ep; ++sender) {
    const int own_node = node_of[size_t(sender)], local = sender % g;
    for (int64_t t = 0; t < tokens_per_rank; ++t, pair += k) {
      // The token's ranks, sorted (insertion sort of k <= 32) so that each node's ranks are consecutive.
      int n = 0;
      for (size_t i = 0; i < k; ++i) {
        const int r = ranks[pair + i];
        ++load.rows_per_rank[static_cast<size_t>(r)];
        int j = n++;
        for (; j > 0 && targets[j - 1] > r; --j) targets[j] = targets[j - 1];
        targets[j] = r;
      }
      int node = -1, landing = -1, previous = -1;
      for (int i = 0; i < n; ++i) {
        const int r = targets[i];
        if (r == previous) continue;  // two experts of the token on one rank: one copy
        previous = r;
        if (node_of[size_t(r)] != node) {
          node = node_of[size_t(r)];
          landing = node == own_node ? sender : node * g + local;
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
  }
  return load;
}

}  // namespace trainsim::models
