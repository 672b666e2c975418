// Grouping the op catalog into engine ops (see stage_ops.h). Each catalog op falls in one slot of its
// layer; slots run in a fixed order per pass, forward first to last and backward in reverse.
#include "sim/step/stage_ops.h"

#include <array>
#include <optional>
#include <fmt/format.h>
#include <string_view>

namespace trainsim::sim {
namespace {

using models::CommKind;
using models::LayerPart;
using models::Op;
using models::Pass;

// The slots of a layer in forward order.
enum Slot {
  kPre,         // embedding, MTP input norms and projection
  kAttn,        // attention half: norms, projections, core
  kAttnTp,      // its TP collectives
  kRouter,      // MoE norm, gate, top-k
  kDispatch,    // EP dispatch
  kExperts,     // permute, routed and shared experts
  kCombine,     // EP combine
  kCombineSum,  // weighted sum of the returned expert outputs
  kMlp,         // a dense layer's MLP
  kMlpTp,       // its TP collectives
  kPost,        // output head and loss
  kSlotCount,
};

constexpr std::array<WorkKind, kSlotCount> kSlotKind = {
    WorkKind::kOther,   WorkKind::kAttention, WorkKind::kTp,      WorkKind::kRouter, WorkKind::kEp, WorkKind::kExperts,
    WorkKind::kEp,      WorkKind::kExperts,   WorkKind::kMlp,     WorkKind::kTp,     WorkKind::kOther};
constexpr std::array<std::string_view, kSlotCount> kSlotName = {
    "pre", "attention", "attention.tp", "router", "dispatch", "experts", "combine", "combine_sum", "mlp",
    "mlp.tp", "head"};

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

Slot slot_of(const Op& op) {
  if (op.is_communication()) {
    switch (op.comm) {
      case CommKind::kEpDispatch: return op.pass == Pass::kForward ? kDispatch : kCombine;  // combine.bwd goes out like a dispatch
      case CommKind::kEpCombine: return op.pass == Pass::kForward ? kCombine : kDispatch;
      default: return op.part == LayerPart::kAttention ? kAttnTp : kMlpTp;
    }
  }
  if (op.part == LayerPart::kAttention) return kAttn;
  if (op.part == LayerPart::kOther) return starts_with(op.name, "head.") ? kPost : kPre;
  if (starts_with(op.name, "moe.norm") || starts_with(op.name, "moe.gate") || starts_with(op.name, "moe.topk"))
    return kRouter;
  if (starts_with(op.name, "moe.combine_sum")) return kCombineSum;
  if (starts_with(op.name, "moe.")) return kExperts;
  return kMlp;
}

// One layer's ops summed per (pass, slot).
struct SlotSums {
  std::array<std::array<StageOp, kSlotCount>, 3> by_pass;  // F, Bi, W
  bool empty(int pass, int slot) const {
    const StageOp& o = by_pass[pass][slot];
    return o.compute_s == 0 && o.nvlink_bytes == 0 && o.nic_bytes == 0;
  }
};

int pass_index(Pass pass) { return pass == Pass::kForward ? 0 : pass == Pass::kBackwardInput ? 1 : 2; }

SlotSums sum_slots(const models::LayerOps& ops, const hw::OpTimeModel& time_model) {
  SlotSums sums;
  for (const Op& op : ops.ops) {
    const Slot slot = slot_of(op);
    StageOp& o = sums.by_pass[pass_index(op.pass)][slot];
    o.kind = kSlotKind[slot];
    if (op.is_communication()) {
      o.nvlink_bytes += op.intra_node_bytes;
      o.nic_bytes += op.inter_node_bytes;
    } else {
      const bool routed = op.kind == models::OpKind::kGroupedGemm || starts_with(op.name, "moe.experts") ||
                          starts_with(op.name, "moe.permute");
      const double seconds = time_model.seconds(op);
      o.compute_s += seconds;
      if (routed) o.routed_compute_s += seconds;
    }
  }
  return sums;
}

// Appends `op` to `pass`, adding it to the last op when both compute the same kind.
void append(std::vector<StageOp>& pass, StageOp op) {
  if (!pass.empty() && !op.is_communication() && !pass.back().is_communication() && pass.back().kind == op.kind) {
    pass.back().compute_s += op.compute_s;
    pass.back().routed_compute_s += op.routed_compute_s;
    return;
  }
  pass.push_back(std::move(op));
}

StageOp named(StageOp op, std::string_view pass, const std::string& layer, int slot) {
  op.name = fmt::format("{} {} {}", pass, layer, kSlotName[slot]);
  return op;
}

}  // namespace

double StageOps::compute_s(const std::vector<StageOp>& pass) const {
  double sum = 0;
  for (const StageOp& op : pass) sum += op.compute_s;
  return sum;
}

StageOps stage_ops(const Stage& stage, const PricedModel& priced, const models::ModelConfig& model,
                   const hw::OpTimeModel& time_model) {
  std::array<std::optional<SlotSums>, 5> by_kind;  // LayerKind -> its slot sums, built on first use
  const std::vector<StageLayer> layers = stage_layers(stage, model);
  std::vector<const SlotSums*> sums;
  for (const StageLayer& layer : layers) {
    auto& s = by_kind[static_cast<std::size_t>(layer.kind)];
    if (!s) s = sum_slots(priced.of(layer.kind).ops, time_model);
    sums.push_back(&*s);
  }
  StageOps out;
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (int slot = 0; slot < kSlotCount; ++slot)
      if (!sums[i]->empty(0, slot)) append(out.forward, named(sums[i]->by_pass[0][slot], "F", layers[i].label, slot));
  for (std::size_t i = layers.size(); i-- > 0;) {
    for (int slot = kSlotCount; slot-- > 0;) {
      const bool input = !sums[i]->empty(1, slot), weight = !sums[i]->empty(2, slot);
      if (input) append(out.backward_input, named(sums[i]->by_pass[1][slot], "Bi", layers[i].label, slot));
      if (weight) append(out.weight, named(sums[i]->by_pass[2][slot], "W", layers[i].label, slot));
      if (input) append(out.backward, named(sums[i]->by_pass[1][slot], "B", layers[i].label, slot));
      if (weight) append(out.backward, named(sums[i]->by_pass[2][slot], "B", layers[i].label, slot));
    }
  }
  return out;
}

}  // namespace trainsim::sim
