// Grouping the op catalog into engine ops (see stage_ops.h). Each catalog op falls in the slot of its role
// in its layer; slots run in a fixed order per pass, forward first to last and backward in reverse.
#include "sim/step/stage_ops.h"

#include "sim/step/routed_expert_pricing.h"
#include "sim/step/comm_overlap.h"

#include <array>
#include <optional>
#include <fmt/format.h>
#include <string_view>

namespace trainsim::sim {
namespace {

using models::Op;
using models::OpRole;
using models::Pass;

// The slots of a layer, in forward order, are the roles of its ops (models::OpRole).
constexpr int kSlotCount = models::kOpRoleCount;

constexpr std::array<StageOpKind, kSlotCount> kSlotKind = {
    StageOpKind::kEmbeddingHead,  StageOpKind::kTp,  // pre and the embedding's TP collective
    StageOpKind::kCp,                                 // CP's K and V all-gather (and in backward their gradients)
    StageOpKind::kAttention,      StageOpKind::kTp,  // attention and its TP collectives
    StageOpKind::kRouter,         StageOpKind::kEp,      StageOpKind::kExperts,  // router, dispatch, experts
    StageOpKind::kEp,             StageOpKind::kExperts,  // combine, combine_sum
    StageOpKind::kMlp,            StageOpKind::kTp,      // mlp, its TP
    StageOpKind::kTp,             StageOpKind::kEmbeddingHead};  // the head's input TP collective, head

int slot_of(const Op& op) { return static_cast<int>(op.role); }

// One layer's ops summed per (pass, slot).
struct SlotSums {
  std::array<std::array<StageOp, kSlotCount>, 3> by_pass;  // F, Bi, W
  bool empty(int pass, int slot) const {
    const StageOp& o = by_pass[pass][slot];
    return o.compute_s == 0 && o.nvlink_bytes == 0 && o.nic_bytes == 0;
  }
};

int pass_index(Pass pass) { return pass == Pass::kForward ? 0 : pass == Pass::kBackwardInput ? 1 : 2; }

SlotSums sum_slots(const models::LayerOps& ops, const hw::OpTimeModel& time_model, const hw::ClusterSpec& cluster) {
  SlotSums sums;
  const std::vector<double> exposed = exposed_comm_shares(ops, time_model, cluster);  // 1 but under compute
  for (std::size_t i = 0; i < ops.ops.size(); ++i) {
    const Op& op = ops.ops[i];
    const int slot = slot_of(op);
    StageOp& o = sums.by_pass[pass_index(op.pass)][slot];
    o.kind = kSlotKind[slot];
    if (const auto collective = nccl_collective_of(op)) {
      // A TP or CP collective as NCCL runs it: its bytes over the link at NCCL's bus-bandwidth efficiency, and its
      // latency (layer_timing.h prices it the same way in the closed form).
      // Pipelined with compute (TP overlap, CP's ring), only the exposed share of its time (comm_overlap.h).
      const hw::CollectiveTime t = hw::nccl_collective_time(*collective, cluster);
      (t.link == hw::CollectiveLink::kNic ? o.nic_bytes : o.nvlink_bytes) += exposed[i] * t.link_bytes;
      o.latency_s += exposed[i] * t.latency_s;
    } else if (op.is_communication()) {
      o.nvlink_bytes += op.intra_node_bytes;
      o.nic_bytes += nic_rate_bytes(op);  // EP: at the achieved NIC share of its path's kernels
      o.ep_dispatch = op.ep_dispatch;
      o.ep_dispatches += op.comm == models::CommKind::kEpDispatch;
      o.ep_combines += op.comm == models::CommKind::kEpCombine;
    } else {
      const double seconds = time_model.seconds(op);
      const auto kind = static_cast<std::size_t>(models::compute_kind_of(op));
      o.compute_s += seconds;
      o.compute_by_kind_s[kind] += seconds;
      if (op.routed) {
        o.routed_compute_s += seconds;
        o.routed_passes |= pass_bit(op.pass);
        o.routed_by_kind_s[kind] += seconds;
      }
    }
  }
  return sums;
}

// Appends `op` to `pass`, adding it to the last op when both compute the same kind.
// Routed parts of two layers stay apart: each is re-priced at its own layer's rows (step_graph.h).
void append(std::vector<StageOp>& pass, StageOp op) {
  const bool two_routed_layers = !pass.empty() && op.routed_passes != 0 && pass.back().routed_passes != 0 &&
                                 op.model_layer != pass.back().model_layer;
  if (!pass.empty() && !op.is_communication() && !pass.back().is_communication() && pass.back().kind == op.kind &&
      !two_routed_layers) {
    StageOp& last = pass.back();
    if (op.routed_passes != 0 || last.routed_passes == 0) last.model_layer = op.model_layer;  // the routed part's
    last.layer = op.layer;
    last.compute_s += op.compute_s;
    last.routed_compute_s += op.routed_compute_s;
    last.routed_passes |= op.routed_passes;
    for (std::size_t k = 0; k < op.compute_by_kind_s.size(); ++k) {
      last.compute_by_kind_s[k] += op.compute_by_kind_s[k];
      last.routed_by_kind_s[k] += op.routed_by_kind_s[k];
    }
    return;
  }
  pass.push_back(std::move(op));
}

StageOp named(StageOp op, std::string_view pass, const std::vector<StageLayer>& layers, std::size_t layer, int slot) {
  op.name = fmt::format("{} {} {}", pass, layers[layer].label, models::op_role_name(static_cast<OpRole>(slot)));
  op.layer = static_cast<int>(layer);
  op.model_layer = layers[layer].model_layer;
  return op;
}

}  // namespace

std::string_view stage_op_kind_name(StageOpKind kind) {
  switch (kind) {
    case StageOpKind::kEmbeddingHead: return "embedding_head";
    case StageOpKind::kAttention: return "attention";
    case StageOpKind::kRouter: return "router";
    case StageOpKind::kExperts: return "experts";
    case StageOpKind::kMlp: return "mlp";
    case StageOpKind::kEp: return "ep";
    case StageOpKind::kTp: return "tp";
    case StageOpKind::kCp: return "cp";
  }
  return "?";
}

double StageOps::compute_s(const std::vector<StageOp>& pass) const {
  double sum = 0;
  for (const StageOp& op : pass) sum += op.compute_s;
  return sum;
}

StageOps stage_ops(const Stage& stage, const PricedModel& priced, const models::ModelConfig& model,
                   const hw::OpTimeModel& time_model, const hw::ClusterSpec& cluster) {
  std::array<std::optional<SlotSums>, 5> by_kind;  // LayerKind -> its slot sums, built on first use
  const std::vector<StageLayer> layers = stage_layers(stage, model);
  std::vector<const SlotSums*> sums;
  for (const StageLayer& layer : layers) {
    auto& s = by_kind[static_cast<std::size_t>(layer.kind)];
    if (!s) s = sum_slots(priced.of(layer.kind).ops, time_model, cluster);
    sums.push_back(&*s);
  }
  StageOps out;
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (int slot = 0; slot < kSlotCount; ++slot)
      if (!sums[i]->empty(0, slot)) append(out.forward, named(sums[i]->by_pass[0][slot], "F", layers, i, slot));
  for (std::size_t i = layers.size(); i-- > 0;) {
    for (int slot = kSlotCount; slot-- > 0;) {
      const bool input = !sums[i]->empty(1, slot), weight = !sums[i]->empty(2, slot);
      if (input) append(out.backward_input, named(sums[i]->by_pass[1][slot], "Bi", layers, i, slot));
      if (weight) append(out.weight, named(sums[i]->by_pass[2][slot], "W", layers, i, slot));
      if (input) append(out.backward, named(sums[i]->by_pass[1][slot], "B", layers, i, slot));
      if (weight) append(out.backward, named(sums[i]->by_pass[2][slot], "B", layers, i, slot));
    }
  }
  return out;
}

}  // namespace trainsim::sim
