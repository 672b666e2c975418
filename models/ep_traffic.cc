// Expectations by counting: P(a node holds none of the chosen groups) = C(G - G/N, g) / C(G, g) for g of
// G groups spread evenly over N nodes; within a node k' experts land on distinct GPUs with replacement.
#include "models/ep_traffic.h"

#include <algorithm>
#include <cmath>

namespace trainsim::models {
namespace {

// C(n, k) / C(m, k) for n <= m, as a product (no overflow for the sizes at hand).
double choose_ratio(int n, int m, int k) {
  if (k > n) return 0.0;
  double ratio = 1.0;
  for (int i = 0; i < k; ++i) ratio *= static_cast<double>(n - i) / static_cast<double>(m - i);
  return ratio;
}

// The GPUs of one target node that hold one of the token's experts (expected): g GPUs of the EP group per node,
// the token's experts spread over `target_nodes` nodes. Where the node holds several of the node-limited groups
// (`groups_per_node`, 0 when routing is not node-limited), each on a whole share of its GPUs (experts placed in
// order, groups in order: DeepSeek-V2's device-limited routing, a group per GPU of EP 8), the token's experts lie
// on its chosen groups' GPUs alone: each chosen group's s GPUs receive k / chosen experts (each chosen group given
// one at least, as node-limited routing assumes below). Otherwise the node's experts are drawn uniformly over its g
// GPUs.
double target_gpus_per_target_node(const ModelConfig& model, int groups_per_node, int g, double target_nodes) {
  const int k = model.moe.experts_per_token, chosen_groups = model.moe.groups_per_token;
  if (groups_per_node > 1 && g % groups_per_node == 0) {
    const double s = g / groups_per_node;  // GPUs per group
    const double chosen_per_target_node = chosen_groups / target_nodes;
    const double experts_per_chosen_group = static_cast<double>(k) / chosen_groups;
    return chosen_per_target_node * s * (1.0 - std::pow(1.0 - 1.0 / s, experts_per_chosen_group));
  }
  return g * (1.0 - std::pow(1.0 - 1.0 / g, k / target_nodes));
}

}  // namespace

EpPeerSpread balanced_peer_spread(const EpGroupShape& group, int from, int to) {
  const int g = std::min(group.ep, group.gpus_per_node), nodes = group.ep / g;
  if (from == to) return {};
  if (from / g == to / g) return {EpLink::kNvlink, g - 1};
  if (group.dispatch == EpDispatch::kPerExpert) return {EpLink::kNic, group.ep - g};
  if (from % g == to % g) return {EpLink::kNic, nodes - 1};
  return {};
}

EpTrafficPerToken expected_ep_traffic(const ModelConfig& model, const EpGroupShape& group) {
  EpTrafficPerToken traffic;
  if (!model.is_moe() || group.ep <= 1) return traffic;
  const int nodes = std::max(1, group.ep / group.gpus_per_node);
  const int gpus_per_node_in_group = std::min(group.ep, group.gpus_per_node);
  const int k = model.moe.experts_per_token;
  const int groups = model.moe.expert_groups;
  const int chosen_groups = model.moe.groups_per_token;

  // Node-limited routing: the chosen groups decide the nodes; assume each chosen group gets an expert.
  const bool node_limited = groups >= nodes && groups % nodes == 0 && chosen_groups < groups;
  const int groups_per_node = node_limited ? groups / nodes : 0;
  if (node_limited) {
    traffic.target_nodes = nodes * (1.0 - choose_ratio(groups - groups_per_node, groups, chosen_groups));
  } else {
    const int experts = model.moe.routed_experts;
    traffic.target_nodes = nodes * (1.0 - choose_ratio(experts - experts / nodes, experts, k));
  }
  traffic.target_nodes = std::min(traffic.target_nodes, static_cast<double>(k));
  const int g = gpus_per_node_in_group;
  if (group.dispatch == EpDispatch::kPerExpert) {
    // Balanced, each of the k rows lands on any of the ep GPUs alike: g / ep of them in the sender's node, one
    // of those its own GPU (no link).
    traffic.nic_copies = k * (1.0 - static_cast<double>(g) / group.ep);
    traffic.nvlink_copies = k * static_cast<double>(g - 1) / group.ep;
    return traffic;
  }
  traffic.nic_copies = traffic.target_nodes * (nodes - 1) / nodes;

  // Within a target node the token lands on one GPU and is forwarded to the other GPUs among its experts': of the
  // node's target GPUs, all but the landing GPU where it is one of them (by symmetry, with probability
  // targets / g).
  traffic.nvlink_copies = traffic.target_nodes *
                          target_gpus_per_target_node(model, groups_per_node, g, traffic.target_nodes) * (1.0 - 1.0 / g);
  return traffic;
}

}  // namespace trainsim::models
