// Hand-built routed loads (see routed_loads.h).
#include "routed_loads.h"

#include <algorithm>

#include "models/op_catalog.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim::testing {
namespace {

// The forward's dispatch or combine op of a MoE layer in the catalog: the bytes one GPU sends.
const models::Op& forward_op(const models::LayerOps& ops, models::CommKind kind) {
  for (const models::Op& op : ops.ops)
    if (op.comm == kind && op.pass == models::Pass::kForward) return op;
  throw std::logic_error("no such op");
}

models::EpTrafficMatrix balanced_matrix(const Scenario& s, const models::Op& op) {
  const int ep = s.layout.ep;
  const models::EpGroupShape group{ep, s.cluster.gpus_per_node, s.layout.ep_dispatch};
  models::EpTrafficMatrix m{ep, std::vector<double>(static_cast<std::size_t>(ep * ep)),
                            std::vector<double>(static_cast<std::size_t>(ep * ep))};
  for (int from = 0; from < ep; ++from)
    for (int to = 0; to < ep; ++to) {
      const models::EpPeerSpread spread = models::balanced_peer_spread(group, from, to);
      if (spread.link == models::EpLink::kNvlink) m.nvlink_bytes[m.index(from, to)] = op.intra_node_bytes / spread.peers;
      if (spread.link == models::EpLink::kNic) m.nic_bytes[m.index(from, to)] = op.inter_node_bytes / spread.peers;
    }
  return m;
}

}  // namespace

double dispatch_row_bytes(const Scenario& s) {
  return s.job.model.hidden_size * (s.job.precision.fp8_dispatch ? 1.0 + 4.0 / 128.0 : 2.0);
}
double combine_row_bytes(const Scenario& s) { return s.job.model.hidden_size * 2.0; }

models::RoutedStepLoad balanced_load(const Scenario& s) {
  const models::LayerOps ops = models::build_layer_ops(s.job.model, models::LayerKind::kMoe, op_context(s));
  models::RoutedStepLoad load;
  load.ep = s.layout.ep;
  load.gpus_per_node = s.cluster.gpus_per_node;
  load.tokens_per_rank = static_cast<std::int64_t>(s.layout.micro_batch_size) * s.job.sequence_length;
  load.top_k = s.job.model.moe.experts_per_token;
  models::RoutedLayerLoad layer;
  layer.rows_per_rank.assign(static_cast<std::size_t>(load.ep), load.tokens_per_rank * load.top_k);
  layer.dispatch = balanced_matrix(s, forward_op(ops, models::CommKind::kEpDispatch));
  layer.combine = balanced_matrix(s, forward_op(ops, models::CommKind::kEpCombine));
  load.microbatches.emplace_back();
  for (int i = 0; i < s.job.model.num_layers + s.job.model.mtp_depth; ++i) {
    if (i < s.job.model.num_layers && !s.job.model.is_moe_layer(i)) continue;
    layer.layer = i;
    load.microbatches.back().push_back(layer);
  }
  return load;
}

models::RoutedStepLoad skewed_load(const Scenario& s, std::int64_t extra_rows, double nvlink_part) {
  models::RoutedStepLoad load = balanced_load(s);
  const int ep = load.ep, per_node = load.gpus_per_node;
  const int in_node = std::min(ep, per_node), nodes = ep / in_node;
  const double nvlink_rows = static_cast<double>(extra_rows) * nvlink_part;
  const double nic_rows = static_cast<double>(extra_rows) - nvlink_rows;
  for (models::RoutedLayerLoad& layer : load.microbatches.front()) {
    layer.rows_per_rank[0] += extra_rows;
    for (int r = 1; r < ep; ++r) layer.rows_per_rank[static_cast<std::size_t>(r)] -= extra_rows / (ep - 1);
    for (int r = 1; r < ep; ++r) {
      const bool same_node = r < in_node, same_index = r % per_node == 0;
      const double rows = same_node ? nvlink_rows / (in_node - 1) : same_index ? nic_rows / (nodes - 1) : 0.0;
      auto& to_zero = same_node ? layer.dispatch.nvlink_bytes : layer.dispatch.nic_bytes;
      auto& from_zero = same_node ? layer.combine.nvlink_bytes : layer.combine.nic_bytes;
      to_zero[layer.dispatch.index(r, 0)] += rows * dispatch_row_bytes(s);
      from_zero[layer.combine.index(0, r)] += rows * combine_row_bytes(s);
    }
  }
  return load;
}

}  // namespace trainsim::sim::testing
