// The bench's skewed routed load (see synthetic_routed_load.h).
#include "sim/step/synthetic_routed_load.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"
#include "models/ep_traffic.h"
#include "models/op_catalog.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim {
namespace {

// The forward's op of `kind` in a MoE layer's catalog: the expected bytes one GPU sends.
const models::Op& forward_op(const models::LayerOps& ops, models::CommKind kind) {
  for (const models::Op& op : ops.ops)
    if (op.comm == kind && op.pass == models::Pass::kForward) return op;
  TS_CHECK(false, "a MoE layer without its forward {}", models::comm_kind_name(kind));
  return ops.ops.front();
}

// Each pair's bytes under balanced routing (spread as models::balanced_peer_spread says) scaled by the expert side's
// share of the rows: the receiver's for the dispatch (tokens go to the experts), the sender's for the combine (their
// outputs come back).
models::EpTrafficMatrix matrix(const models::EpGroupShape& group, const models::Op& op,
                               const std::vector<double>& share, bool combine) {
  const int ep = group.ep;
  const auto cells = static_cast<std::size_t>(ep) * static_cast<std::size_t>(ep);
  models::EpTrafficMatrix m{ep, std::vector<double>(cells), std::vector<double>(cells)};
  for (int from = 0; from < ep; ++from)
    for (int to = 0; to < ep; ++to) {
      const models::EpPeerSpread spread = models::balanced_peer_spread(group, from, to);
      if (spread.link == models::EpLink::kNone) continue;
      const double scale = share[static_cast<std::size_t>(combine ? from : to)];
      if (spread.link == models::EpLink::kNvlink)
        m.nvlink_bytes[m.index(from, to)] = scale * op.intra_node_bytes / spread.peers;
      else
        m.nic_bytes[m.index(from, to)] = scale * op.inter_node_bytes / spread.peers;
    }
  return m;
}

}  // namespace

models::RoutedStepLoad synthetic_routed_load(const Scenario& s, double swing, int microbatches) {
  const models::ModelConfig& model = s.job.model;
  TS_CHECK(model.is_moe() && microbatches > 0, "a routed load for {} over {} micro-batches", model.name, microbatches);
  const models::LayerOps ops = models::build_layer_ops(model, models::LayerKind::kMoe, op_context(s));
  models::RoutedStepLoad load;
  load.ep = std::max(1, s.layout.ep);
  load.gpus_per_node = s.cluster.gpus_per_node;
  load.tokens_per_rank = std::llround(op_context(s).routed_tokens());  // a GPU's share of the micro-batch (CP, SP)
  load.top_k = model.moe.experts_per_token;
  const double balanced = static_cast<double>(load.tokens_per_rank * load.top_k);
  for (int mb = 0; mb < microbatches; ++mb) {
    load.microbatches.emplace_back();
    for (int layer = 0; layer < model.num_layers + model.mtp_depth; ++layer) {
      if (layer < model.num_layers && !model.is_moe_layer(layer)) continue;
      models::RoutedLayerLoad l;
      l.layer = layer;
      std::vector<double> share(static_cast<std::size_t>(load.ep));
      for (int r = 0; r < load.ep; ++r) {
        const double phase = 2.0 * std::numbers::pi * (r + 7 * layer + 13 * mb) / load.ep;
        const auto rows = static_cast<std::int64_t>(std::llround(balanced * (1.0 + swing * std::cos(phase))));
        l.rows_per_rank.push_back(rows);
        share[static_cast<std::size_t>(r)] = static_cast<double>(rows) / balanced;
      }
      const models::EpGroupShape group{load.ep, load.gpus_per_node, s.layout.ep_dispatch};
      l.dispatch = matrix(group, forward_op(ops, models::CommKind::kEpDispatch), share, false);
      l.combine = matrix(group, forward_op(ops, models::CommKind::kEpCombine), share, true);
      load.microbatches.back().push_back(std::move(l));
    }
  }
  return load;
}

}  // namespace trainsim::sim
