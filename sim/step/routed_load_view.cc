// Reading a routed load for the step graph (see routed_load_view.h).
#include "sim/step/routed_load_view.h"

#include "core/error.h"
#include "hardware/deepep_rates.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim {
namespace {

// Sized for the group, and on the scenario's path (models/ep_traffic.h): the NIC only to another node (per node,
// DeepSeek's: only to the same local index there), NVLink only inside a node; the step graph carries each link's
// matrix by itself.
void check_matrix(const models::EpTrafficMatrix& m, int ep, int layer, int per_node, models::EpDispatch dispatch) {
  const bool per_expert = dispatch == models::EpDispatch::kPerExpert;
  const auto cells = static_cast<std::size_t>(ep) * static_cast<std::size_t>(ep);
  TS_CHECK(m.ep == ep && m.nic_bytes.size() == cells && m.nvlink_bytes.size() == cells,
           "layer {}: a {}-rank traffic matrix of {} and {} cells for EP {}", layer, m.ep, m.nic_bytes.size(),
           m.nvlink_bytes.size(), ep);
  for (int from = 0; from < ep; ++from)
    for (int to = 0; to < ep; ++to) {
      const bool same_node = from / per_node == to / per_node, same_index = from % per_node == to % per_node;
      TS_CHECK(m.nic(from, to) >= 0 && (m.nic(from, to) == 0 || (!same_node && (same_index || per_expert))),
               "layer {}: {} NIC bytes from rank {} to rank {}, off the {} path", layer, m.nic(from, to), from, to,
               models::ep_dispatch_name(dispatch));
      TS_CHECK(m.nvlink(from, to) >= 0 && (m.nvlink(from, to) == 0 || (same_node && from != to)),
               "layer {}: {} NVLink bytes from rank {} to rank {}, off the {} path", layer, m.nvlink(from, to), from,
               to, models::ep_dispatch_name(dispatch));
    }
}

}  // namespace

EpPairBytes ep_pair_bytes(const StageOp& op, const models::RoutedLayerLoad& layer, int sender, int receiver) {
  const double d = op.ep_dispatches, c = op.ep_combines;
  const double d_nic = d / hw::ep_nic_share(models::CommKind::kEpDispatch, op.ep_dispatch);
  const double c_nic = c / hw::ep_nic_share(models::CommKind::kEpCombine, op.ep_dispatch);
  return {d_nic * layer.dispatch.nic(sender, receiver) + c_nic * layer.combine.nic(sender, receiver),
          d * layer.dispatch.nvlink(sender, receiver) + c * layer.combine.nvlink(sender, receiver)};
}

EpPortBytes ep_port_bytes(const StageOp& op, const models::RoutedLayerLoad& layer, int rank) {
  EpPortBytes out;
  const models::EpTrafficMatrix& d = layer.dispatch;
  const models::EpTrafficMatrix& c = layer.combine;
  const double dispatch_share = hw::ep_nic_share(models::CommKind::kEpDispatch, op.ep_dispatch);
  const double combine_share = hw::ep_nic_share(models::CommKind::kEpCombine, op.ep_dispatch);
  for (int peer = 0; peer < d.ep; ++peer) {  // row and column sums of each matrix, weighted once below
    out.nic_out +=
        op.ep_dispatches * d.nic(rank, peer) / dispatch_share + op.ep_combines * c.nic(rank, peer) / combine_share;
    out.nic_in +=
        op.ep_dispatches * d.nic(peer, rank) / dispatch_share + op.ep_combines * c.nic(peer, rank) / combine_share;
    out.nvlink_out += op.ep_dispatches * d.nvlink(rank, peer) + op.ep_combines * c.nvlink(rank, peer);
    out.nvlink_in += op.ep_dispatches * d.nvlink(peer, rank) + op.ep_combines * c.nvlink(peer, rank);
  }
  return out;
}

RoutedLoadView::RoutedLoadView(std::shared_ptr<const models::RoutedStepLoad> load, const Scenario& s,
                             const hw::OpTimeModel& time_model)
    : load_(std::move(load)), scenario_(s), pricing_(s.job.model, op_context(s), time_model) {
  TS_CHECK(load_ != nullptr, "no routed load");
  const models::RoutedStepLoad& l = *load_;
  const int ep = std::max(1, s.layout.ep);
  TS_CHECK(l.ep == ep, "a routed load for EP {}, the layout has EP {}", l.ep, ep);
  TS_CHECK(l.gpus_per_node == s.cluster.gpus_per_node, "a routed load for {} GPUs per node, the cluster has {}",
           l.gpus_per_node, s.cluster.gpus_per_node);
  TS_CHECK(l.tokens_per_rank * l.top_k == pricing_.balanced_rows(),
           "a routed load of {} tokens x top-{} per rank, a micro-batch routes {} rows per rank", l.tokens_per_rank,
           l.top_k, pricing_.balanced_rows());
  TS_CHECK(!l.microbatches.empty(), "a routed load with no micro-batch");
  for (const std::vector<models::RoutedLayerLoad>& microbatch : l.microbatches) {
    layers_.emplace_back();
    for (const models::RoutedLayerLoad& layer : microbatch) {
      TS_CHECK(static_cast<int>(layer.rows_per_rank.size()) == ep, "layer {}: rows for {} ranks, EP {}", layer.layer,
               layer.rows_per_rank.size(), ep);
      check_matrix(layer.dispatch, ep, layer.layer, l.gpus_per_node, s.layout.ep_dispatch);
      check_matrix(layer.combine, ep, layer.layer, l.gpus_per_node, s.layout.ep_dispatch);
      TS_CHECK(layers_.back().emplace(layer.layer, &layer).second, "layer {} listed twice in one micro-batch", layer.layer);
    }
  }
}

const models::RoutedLayerLoad* RoutedLoadView::find(int microbatch, int model_layer) const {
  if (model_layer < 0 || microbatch < 0) return nullptr;
  const auto& layers = layers_[static_cast<std::size_t>(microbatch) % layers_.size()];
  const auto it = layers.find(model_layer);
  return it == layers.end() ? nullptr : it->second;
}

int RoutedLoadView::straggler(const models::RoutedLayerLoad& layer) {
  const auto known = stragglers_.find(&layer);
  if (known != stragglers_.end()) return known->second;
  StageOp forward;  // the forward's dispatch and combine
  forward.ep_dispatches = 1;
  forward.ep_combines = 1;
  const double nic_Bps = scenario_.cluster.nic_share_bytes_per_s(), nvlink_Bps = scenario_.cluster.nvlink_bandwidth_bytes_per_s;
  int slowest = 0;
  double slowest_s = -1;
  for (int rank = 0; rank < layer.dispatch.ep; ++rank) {
    const EpPortBytes ports = ep_port_bytes(forward, layer, rank);
    const double seconds = pricing_.at_rows(layer.rows_per_rank[static_cast<std::size_t>(rank)]).seconds(7u) +
                           ports.nic_in / nic_Bps + ports.nvlink_in / nvlink_Bps;
    if (seconds > slowest_s) slowest = rank, slowest_s = seconds;
  }
  stragglers_.emplace(&layer, slowest);
  return slowest;
}

}  // namespace trainsim::sim
