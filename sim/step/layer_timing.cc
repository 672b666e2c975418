// Summing op times per phase.
#include "sim/step/layer_timing.h"

#include <algorithm>

#include "hardware/deepep_rates.h"
#include "sim/step/comm_overlap.h"

namespace trainsim::sim {

CommLoad& CommLoad::operator+=(const CommLoad& o) {
  nic_s += o.nic_s;
  nvlink_s += o.nvlink_s;
  latency_s += o.latency_s;
  return *this;
}

CommLoad CommLoad::scaled(double factor) const { return {nic_s * factor, nvlink_s * factor, latency_s * factor}; }

LayerTiming& LayerTiming::operator+=(const LayerTiming& o) {
  forward_s += o.forward_s;
  backward_input_s += o.backward_input_s;
  weight_backward_s += o.weight_backward_s;
  ep_forward_s += o.ep_forward_s;
  ep_backward_s += o.ep_backward_s;
  tp_forward_s += o.tp_forward_s;
  tp_backward_s += o.tp_backward_s;
  cp_forward_s += o.cp_forward_s;
  cp_backward_s += o.cp_backward_s;
  for (const auto& [kind, s] : o.compute_by_kind_s) compute_by_kind_s[kind] += s;
  ep_load += o.ep_load;
  tp_load += o.tp_load;
  cp_load += o.cp_load;
  return *this;
}

LayerTiming LayerTiming::scaled(double factor) const {
  LayerTiming out = *this;
  for (double* field : {&out.forward_s, &out.backward_input_s, &out.weight_backward_s, &out.ep_forward_s,
                        &out.ep_backward_s, &out.tp_forward_s, &out.tp_backward_s,
                        &out.cp_forward_s, &out.cp_backward_s})
    *field *= factor;
  for (auto& [kind, s] : out.compute_by_kind_s) s *= factor;
  out.ep_load = ep_load.scaled(factor);
  out.tp_load = tp_load.scaled(factor);
  out.cp_load = cp_load.scaled(factor);
  return out;
}

std::map<std::string, double> compute_by_kind_map(const models::ComputeKindSeconds& seconds) {
  std::map<std::string, double> out;
  for (int k = 0; k < models::kComputeKindCount; ++k) {
    const auto kind = static_cast<models::ComputeKind>(k);
    if (kind != models::ComputeKind::kOptimizer) out[std::string(models::compute_kind_name(kind))] = seconds[k];
  }
  return out;
}

std::optional<hw::Collective> nccl_collective_of(const models::Op& op) {
  using models::CommKind;
  hw::CollectiveKind kind = hw::CollectiveKind::kAllReduce;
  switch (op.comm) {
    case CommKind::kTpAllReduce: kind = hw::CollectiveKind::kAllReduce; break;
    case CommKind::kTpAllGather:
    case CommKind::kCpAllGather: kind = hw::CollectiveKind::kAllGather; break;
    case CommKind::kTpReduceScatter:
    case CommKind::kCpReduceScatter: kind = hw::CollectiveKind::kReduceScatter; break;
    default: return std::nullopt;
  }
  return hw::Collective{kind, op.message_bytes, op.group_ranks, op.group_ranks_per_node};
}

double nic_rate_bytes(const models::Op& op) { return op.inter_node_bytes / hw::ep_nic_share(op.comm, op.ep_dispatch); }

double communication_seconds(const models::Op& op, const hw::ClusterSpec& c) {
  if (const auto collective = nccl_collective_of(op))
    return hw::nccl_collective_time(*collective, c.with_nic_share_per_gpu()).seconds();
  const double nvlink_s = op.intra_node_bytes > 0 ? op.intra_node_bytes / c.nvlink_bandwidth_bytes_per_s + c.nvlink_latency_s : 0.0;
  const double nic_s = op.inter_node_bytes > 0 ? nic_rate_bytes(op) / c.nic_share_bytes_per_s() + c.nic_latency_s : 0.0;
  return std::max(nvlink_s, nic_s);
}

CommLoad communication_load(const models::Op& op, const hw::ClusterSpec& c) {
  CommLoad load;
  if (const auto collective = nccl_collective_of(op)) {
    // The same terms as communication_seconds: a TP collective runs on one link, NVLink or (across nodes) NIC.
    const hw::CollectiveTime t = hw::nccl_collective_time(*collective, c.with_nic_share_per_gpu());
    (t.link == hw::CollectiveLink::kNic ? load.nic_s : load.nvlink_s) = t.bandwidth_s;
    load.latency_s = t.latency_s;
    return load;
  }
  load.nvlink_s = op.intra_node_bytes / c.nvlink_bandwidth_bytes_per_s;
  load.nic_s = nic_rate_bytes(op) / c.nic_share_bytes_per_s();
  // The legs are pipelined (communication_seconds): the latency that counts is the slower leg's.
  load.latency_s = load.nic_s >= load.nvlink_s ? (op.inter_node_bytes > 0 ? c.nic_latency_s : 0.0)
                                               : c.nvlink_latency_s;
  return load;
}

LayerTiming time_layer(const models::LayerOps& ops, const hw::OpTimeModel& model, const hw::ClusterSpec& cluster) {
  using models::CommKind;
  using models::Pass;
  LayerTiming t;
  models::ComputeKindSeconds by_kind{};
  const std::vector<double> exposed = exposed_comm_shares(ops, model, cluster);  // 1 but under compute
  for (std::size_t i = 0; i < ops.ops.size(); ++i) {
    const models::Op& op = ops.ops[i];
    if (op.is_communication()) {
      const double s = exposed[i] * communication_seconds(op, cluster);
      const bool ep = op.comm == CommKind::kEpDispatch || op.comm == CommKind::kEpCombine;
      const bool cp = op.comm == CommKind::kCpAllGather || op.comm == CommKind::kCpReduceScatter;
      const bool forward = op.pass == Pass::kForward;
      if (ep) {
        (forward ? t.ep_forward_s : t.ep_backward_s) += s;
        t.ep_load += communication_load(op, cluster);
      } else if (cp) {
        (forward ? t.cp_forward_s : t.cp_backward_s) += s;
        t.cp_load += communication_load(op, cluster).scaled(exposed[i]);
      } else {
        (forward ? t.tp_forward_s : t.tp_backward_s) += s;
        t.tp_load += communication_load(op, cluster).scaled(exposed[i]);
      }
      continue;
    }
    const double s = model.seconds(op);
    (op.pass == Pass::kForward ? t.forward_s : op.pass == Pass::kBackwardInput ? t.backward_input_s : t.weight_backward_s) += s;
    by_kind[static_cast<std::size_t>(models::compute_kind_of(op))] += s;
  }
  t.compute_by_kind_s = compute_by_kind_map(by_kind);
  return t;
}

}  // namespace trainsim::sim
