// What one routed (layer, micro-batch) looks like: tokens per logical expert, rows per EP rank and per node,
// MaxVio (max load / mean load - 1, Wang et al. 2024, arXiv 2408.15664) and the nodes each token reaches.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "models/ep_traffic.h"
#include "models/expert_router.h"

namespace trainsim::models {

// max / mean - 1 over the entries (0 when all are zero or there are none).
double max_vio(std::span<const int64_t> loads);

struct RoutingStats {
  std::vector<int64_t> tokens_per_expert;  // [logical expert]
  std::vector<int64_t> tokens_by_nodes;    // [n]: tokens whose experts span n distinct nodes (n = 0 .. nodes)
  double max_vio = 0;                      // over tokens_per_expert: MaxVio_batch of this micro-batch
  double mean_nodes_per_token = 0;
  int max_nodes_per_token = 0;
};

// [logical expert] the tokens routed to it (every token once per expert it selected).
std::vector<int64_t> tokens_per_expert(const TokenRouting& routing, int num_experts);

// Node of logical expert e under uniform placement: e * ranks / num_experts gives the rank, rank / gpus per
// node the node (replicas are the traffic's concern: routed_traffic.h).
RoutingStats routing_stats(const TokenRouting& routing, int num_experts, const EpGroupShape& group);

// Rows summed per node from rows per rank (rank r on node r / gpus_per_node).
std::vector<int64_t> rows_per_node(std::span<const int64_t> rows_per_rank, const EpGroupShape& group);

}  // namespace trainsim::models
