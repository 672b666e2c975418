// LayerTiming: the op catalog of one layer priced on one GPU and its links. Compute per phase from the
// op-time model; communication per phase from bytes over the NVLink or NIC bandwidth plus latency.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "hardware/cluster_spec.h"
#include "hardware/nccl_collective.h"
#include "hardware/op_time_model.h"
#include "models/compute_kind.h"
#include "models/op_catalog.h"

namespace trainsim::sim {

// The terms of a kind of communication's time, summed over its ops: bytes over each link's bandwidth and
// the latencies. The largest says what bounds it (a faster NVLink does nothing for NIC-bound traffic).
struct CommLoad {
  double nic_s = 0;     // inter-node bytes / NIC bandwidth
  double nvlink_s = 0;  // intra-node bytes / NVLink bandwidth
  double latency_s = 0;
  CommLoad& operator+=(const CommLoad& other);
  CommLoad scaled(double factor) const;
};

struct LayerTiming {
  double forward_s = 0;          // compute of F
  double backward_input_s = 0;   // compute of Bi (recomputation included)
  double weight_backward_s = 0;  // compute of W
  double ep_forward_s = 0, ep_backward_s = 0;  // EP dispatch + combine
  double tp_forward_s = 0, tp_backward_s = 0;  // TP collectives
  double cp_forward_s = 0, cp_backward_s = 0;  // CP's K and V all-gathers and their gradients' reduce-scatter
  std::map<std::string, double> compute_by_kind_s;  // compute_by_kind_map's keys, over all phases
  CommLoad ep_load, tp_load, cp_load;                // the terms of the EP, TP and CP times above

  // Communication of F and of B (Bi and W) that runs on the compute's stream, not overlapped by the
  // schedules: TP's and CP's collectives.
  double blocking_forward_comm_s() const { return tp_forward_s + cp_forward_s; }
  double blocking_backward_comm_s() const { return tp_backward_s + cp_backward_s; }
  // A chunk's F and B with all their communication run in line (no other chunk's compute hiding EP).
  double forward_in_line_s() const { return forward_s + ep_forward_s + blocking_forward_comm_s(); }
  double backward_in_line_s() const {
    return backward_input_s + weight_backward_s + ep_backward_s + blocking_backward_comm_s();
  }

  double compute_s() const { return forward_s + backward_input_s + weight_backward_s; }
  LayerTiming& operator+=(const LayerTiming& other);
  LayerTiming scaled(double factor) const;
};

// Seconds by op kind as reported ("attention_core": s, ...): every kind of the step's compute, zeros
// included so that every fidelity gives the same keys; the optimizer is reported apart (optimizer_s).
std::map<std::string, double> compute_by_kind_map(const models::ComputeKindSeconds& seconds);

// The NCCL collective behind a TP or CP op; none for EP (its all-to-all, hardware/deepep_rates.h) and compute ops.
std::optional<hw::Collective> nccl_collective_of(const models::Op& op);

// The bytes whose time at the NIC's line rate an op's inter-node leg takes: an EP op's bytes over the achieved
// NIC share of its path's kernels (DeepEP's per node, NCCL's all-to-all per expert: hardware/deepep_rates.h), any
// other op's bytes as they are. The closed form and the engine's flows both use it.
double nic_rate_bytes(const models::Op& op);

// Time of one communication op on the cluster's links. A TP or CP collective: NCCL's latency and bus bandwidth. EP:
// its NVLink and IB legs are pipelined, so the slower one sets the pace.
double communication_seconds(const models::Op& op, const hw::ClusterSpec& cluster);
CommLoad communication_load(const models::Op& op, const hw::ClusterSpec& cluster);

LayerTiming time_layer(const models::LayerOps& ops, const hw::OpTimeModel& model, const hw::ClusterSpec& cluster);

}  // namespace trainsim::sim
