// One pass over tokens counts, per sender, the tokens reaching each rank and each node; the copies are priced
// from the counts: one IB copy per remote node and one NVLink copy per further rank (see the header for the
// path). Bytes per copy are whole numbers, so count x bytes is the sum of the copies to the last bit.
#include "models/routed_traffic.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace trainsim::models {

TokenBytes token_bytes(const ModelConfig& model, bool fp8_dispatch) {
  const double h = model.hidden_size;
  return {fp8_dispatch ? h + 4.0 * std::ceil(h / 128.0) : 2.0 * h, 2.0 * h};
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
  const auto k = static_cast<size_t>(routing.top_k);
  std::vector<int> ranks(static_cast<size_t>(routing.tokens()) * k);
  for (int64_t t = 0; t < routing.tokens(); ++t) {
    const int* experts = routing.experts_of(t);
    for (size_t i = 0; i < k; ++i) {
      const auto e = static_cast<size_t>(experts[i]);
      const std::vector<int>& own = ranks_of[e];
      ranks[static_cast<size_t>(t) * k + i] = own[next[e]];
      if (++next[e] == own.size()) next[e] = 0;
    }
  }
  return ranks;
}

namespace {

// With one slot per logical expert: the rank of each routed token's pairs, [routed token * top_k + i].
std::vector<int> ranks_of_routed_pairs(const TokenRouting& routing, const ExpertPlacement& placement) {
  std::vector<int> rank_of_expert(static_cast<size_t>(placement.num_experts), -1);
  for (int slot = 0; slot < placement.num_experts; ++slot)
    rank_of_expert[static_cast<size_t>(placement.logical_of_slot[static_cast<size_t>(slot)])] = placement.rank_of_slot(slot);
  for (size_t e = 0; e < rank_of_expert.size(); ++e) TS_CHECK(rank_of_expert[e] >= 0, "expert {} has no slot", e);
  std::vector<int> ranks(routing.expert_ids.size());
  for (size_t i = 0; i < ranks.size(); ++i) ranks[i] = rank_of_expert[static_cast<size_t>(routing.expert_ids[i])];
  return ranks;
}

// Each listed token's distinct ranks and distinct nodes, k entries each, padded with ep (ranks) and nodes.
struct ReachedSets {
  std::vector<int> ranks, nodes;  // [token * k + i]
};
ReachedSets reached_sets(const std::vector<int>& pair_ranks, size_t k, int ep, int gpus_per_node) {
  ReachedSets out{std::vector<int>(pair_ranks.size(), ep), std::vector<int>(pair_ranks.size(), ep / gpus_per_node)};
  for (size_t first = 0; first < pair_ranks.size(); first += k) {
    int* ranks = out.ranks.data() + first;
    int* nodes = out.nodes.data() + first;
    size_t distinct_ranks = 0, distinct_nodes = 0;
    for (size_t i = 0; i < k; ++i) {  // k <= 32: linear searches
      const int r = pair_ranks[first + i], n = r / gpus_per_node;
      if (std::find(ranks, ranks + distinct_ranks, r) == ranks + distinct_ranks) ranks[distinct_ranks++] = r;
      if (std::find(nodes, nodes + distinct_nodes, n) == nodes + distinct_nodes) nodes[distinct_nodes++] = n;
    }
  }
  return out;
}

// The bytes from the counts (reaching_rank [sender][rank], reaching_node [sender][node], each row with one more
// column, the padding): a token crosses to another node once, to the GPU of its sender's local index there, and
// is forwarded over NVLink from where it lands (its sender on its own node) to each further rank holding one of
// its experts.
void price_copies(const std::vector<int64_t>& reaching_rank, const std::vector<int64_t>& reaching_node, int g,
                  const TokenBytes& bytes, RoutedLayerLoad& load) {
  const int ep = load.dispatch.ep, nodes = ep / g;
  const size_t rank_columns = static_cast<size_t>(ep) + 1, node_columns = static_cast<size_t>(nodes) + 1;
  for (int sender = 0; sender < ep; ++sender) {
    const int own_node = sender / g, local = sender % g;
    for (int node = 0; node < nodes; ++node) {
      const int landing = node == own_node ? sender : node * g + local;
      const auto crossing = static_cast<double>(reaching_node[static_cast<size_t>(sender) * node_columns + static_cast<size_t>(node)]);
      if (landing != sender && crossing > 0) {
        load.dispatch.nic_bytes[load.dispatch.index(sender, landing)] += crossing * bytes.dispatch;
        load.combine.nic_bytes[load.combine.index(landing, sender)] += crossing * bytes.combine;
      }
      for (int r = node * g; r < (node + 1) * g; ++r) {
        const auto copies = static_cast<double>(reaching_rank[static_cast<size_t>(sender) * rank_columns + static_cast<size_t>(r)]);
        if (r == landing || copies == 0) continue;
        load.dispatch.nvlink_bytes[load.dispatch.index(landing, r)] += copies * bytes.dispatch;
        load.combine.nvlink_bytes[load.combine.index(r, landing)] += copies * bytes.combine;
      }
    }
  }
}

// Megatron-Core's alltoall dispatcher: each (token, expert) pair a row from the token's rank straight to its
// expert's, over NVLink inside the node and InfiniBand beyond; the combine brings each row back the same way.
// `routed_of_token` maps a token to its routed token's pairs (null: pairs are per token).
void price_rows(const std::vector<int>& pair_ranks, std::size_t k, int64_t tokens_per_rank,
                const std::vector<int32_t>* routed_of_token, int g, const TokenBytes& bytes, RoutedLayerLoad& load) {
  const int ep = load.dispatch.ep;
  std::vector<int64_t> rows(static_cast<std::size_t>(ep) * static_cast<std::size_t>(ep), 0);  // [sender][rank]
  int64_t token = 0;
  for (int sender = 0; sender < ep; ++sender)
    for (int64_t t = 0; t < tokens_per_rank; ++t, ++token) {
      const auto at = static_cast<std::size_t>(routed_of_token && !routed_of_token->empty()
                                                   ? (*routed_of_token)[static_cast<std::size_t>(token)]
                                                   : token);
      for (std::size_t i = 0; i < k; ++i)
        ++rows[static_cast<std::size_t>(sender) * static_cast<std::size_t>(ep) +
               static_cast<std::size_t>(pair_ranks[at * k + i])];
    }
  for (int s = 0; s < ep; ++s)
    for (int d = 0; d < ep; ++d) {
      const auto count = static_cast<double>(rows[static_cast<std::size_t>(s) * static_cast<std::size_t>(ep) +
                                                  static_cast<std::size_t>(d)]);
      if (d == s || count == 0) continue;
      const bool same_node = d / g == s / g;
      (same_node ? load.dispatch.nvlink_bytes : load.dispatch.nic_bytes)[load.dispatch.index(s, d)] +=
          count * bytes.dispatch;
      (same_node ? load.combine.nvlink_bytes : load.combine.nic_bytes)[load.combine.index(d, s)] +=
          count * bytes.combine;
    }
}

}  // namespace

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
  // Each token's distinct ranks and nodes. With one slot per logical expert a token's are those of its routed
  // token, found once per routed token; replicas hand pairs out in token order (ranks_of_pairs), so then each
  // token has its own. Rows count every pair (two experts of a token on one rank: one copy, two rows).
  const auto k = static_cast<size_t>(routing.top_k);
  const int nodes = ep / g;
  const bool one_slot_each = placement.ranks * placement.slots_per_rank == placement.num_experts;
  const std::vector<int> pair_ranks =
      one_slot_each ? ranks_of_routed_pairs(routing, placement) : ranks_of_pairs(routing, placement);
  const std::vector<int64_t> times = one_slot_each ? routing.multiplicity() : std::vector<int64_t>(pair_ranks.size() / k, 1);
  for (size_t pair = 0; pair < pair_ranks.size(); ++pair)
    load.rows_per_rank[static_cast<size_t>(pair_ranks[pair])] += times[pair / k];
  if (group.dispatch == EpDispatch::kPerExpert) {
    price_rows(pair_ranks, k, tokens_per_rank, one_slot_each ? &routing.routed_of_token : nullptr, g, bytes, load);
    return load;
  }
  const ReachedSets reached = reached_sets(pair_ranks, k, ep, g);
  // Per sender, the tokens reaching each rank and each node ([sender][rank or node], a last column for padding).
  const size_t rank_columns = static_cast<size_t>(ep) + 1, node_columns = static_cast<size_t>(nodes) + 1;
  std::vector<int64_t> reaching_rank(static_cast<size_t>(ep) * rank_columns, 0);
  std::vector<int64_t> reaching_node(static_cast<size_t>(ep) * node_columns, 0);
  int64_t token = 0;
  for (int sender = 0; sender < ep; ++sender) {
    int64_t* to_rank = reaching_rank.data() + static_cast<size_t>(sender) * rank_columns;
    int64_t* to_node = reaching_node.data() + static_cast<size_t>(sender) * node_columns;
    for (int64_t t = 0; t < tokens_per_rank; ++t, ++token) {
      const auto at = static_cast<size_t>(
          one_slot_each && !routing.routed_of_token.empty() ? routing.routed_of_token[static_cast<size_t>(token)] : token);
      const int* rank = reached.ranks.data() + at * k;
      const int* node = reached.nodes.data() + at * k;
      for (size_t i = 0; i < k; ++i) ++to_rank[rank[i]];  // NOTE: k steps, padded: no branch to mispredict
      for (size_t i = 0; i < k; ++i) ++to_node[node[i]];
    }
  }
  price_copies(reaching_rank, reaching_node, g, bytes, load);
  return load;
}

}  // namespace trainsim::models
