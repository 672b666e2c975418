// Counting only; the node of an expert follows uniform placement (expert_placement.h).
#include "models/routing_stats.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace trainsim::models {

double max_vio(std::span<const int64_t> loads) {
  if (loads.empty()) return 0;
  const int64_t total = std::accumulate(loads.begin(), loads.end(), int64_t{0});
  if (total == 0) return 0;
  const double mean = static_cast<double>(total) / static_cast<double>(loads.size());
  return static_cast<double>(*std::max_element(loads.begin(), loads.end())) / mean - 1.0;
}

std::vector<int64_t> tokens_per_expert(const TokenRouting& routing, int num_experts) {
  std::vector<int64_t> out(static_cast<size_t>(num_experts), 0);
  const std::vector<int64_t> times = routing.multiplicity();
  const auto k = static_cast<size_t>(routing.top_k);
  for (size_t routed = 0; routed < times.size(); ++routed)
    for (size_t i = 0; i < k; ++i) out[static_cast<size_t>(routing.expert_ids[routed * k + i])] += times[routed];
  return out;
}

RoutingStats routing_stats(const TokenRouting& routing, int num_experts, const EpGroupShape& group) {
  const int g = std::min(group.ep, group.gpus_per_node);
  const int nodes = std::max(1, group.ep / g);
  TS_CHECK(num_experts % group.ep == 0, "{} experts over EP {}", num_experts, group.ep);
  TS_CHECK(nodes <= 64, "{} nodes in one EP group", nodes);
  const int experts_per_node = num_experts / nodes;
  RoutingStats stats;
  stats.tokens_per_expert = tokens_per_expert(routing, num_experts);
  stats.tokens_by_nodes.assign(static_cast<size_t>(nodes) + 1, 0);
  const auto k = static_cast<size_t>(routing.top_k);
  const std::vector<int64_t> times = routing.multiplicity();  // each routed token counts once per token taking it
  int64_t node_sum = 0;
  for (size_t routed = 0; routed < times.size(); ++routed) {
    if (times[routed] == 0) continue;
    uint64_t seen = 0;  // nodes <= 64 (checked above)
    for (size_t i = 0; i < k; ++i) seen |= 1ull << (routing.expert_ids[routed * k + i] / experts_per_node);
    const int n = __builtin_popcountll(seen);
    stats.tokens_by_nodes[static_cast<size_t>(n)] += times[routed];
    node_sum += n * times[routed];
    stats.max_nodes_per_token = std::max(stats.max_nodes_per_token, n);
  }
  stats.max_vio = max_vio(stats.tokens_per_expert);
  if (routing.tokens() > 0) stats.mean_nodes_per_token = static_cast<double>(node_sum) / static_cast<double>(routing.tokens());
  return stats;
}

std::vector<int64_t> rows_per_node(std::span<const int64_t> rows_per_rank, const EpGroupShape& group) {
  const int g = std::min(group.ep, group.gpus_per_node);
  std::vector<int64_t> out(static_cast<size_t>(std::max(1, group.ep / g)), 0);
  for (size_t r = 0; r < rows_per_rank.size(); ++r) out[r / static_cast<size_t>(g)] += rows_per_rank[r];
  return out;
}

}  // namespace trainsim::models
