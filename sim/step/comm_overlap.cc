// The exposed share of communication pipelined with compute (comm_overlap.h).
#include "sim/step/comm_overlap.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "sim/step/layer_timing.h"

namespace trainsim::sim {
namespace {

using models::HiddenUnder;
using models::Op;
using models::OpRole;
using models::Pass;

// The sub-block a role belongs to: the attention's collectives (attention.tp, attention.cp) pair with the
// attention's compute, the MLP's (mlp.tp) with the dense MLP's or the MoE block's (router, experts).
int sub_block(OpRole role) {
  switch (role) {
    case OpRole::kAttentionCp:
    case OpRole::kAttention:
    case OpRole::kAttentionTp: return 0;
    case OpRole::kMlp:
    case OpRole::kMlpTp:
    case OpRole::kExperts:
    case OpRole::kRouter: return 1;
    default: return -1;
  }
}

bool covers(HiddenUnder under, const Op& op) {
  if (op.is_communication()) return false;
  if (under == HiddenUnder::kAttentionCore) return op.kind == models::OpKind::kAttention || op.attention_core;
  return (op.kind == models::OpKind::kGemm || op.kind == models::OpKind::kGroupedGemm) && !op.attention_core;
}

// One group of communication and the compute that covers it: its kind, its sub-block, forward or backward.
using GroupKey = std::tuple<HiddenUnder, int, bool>;

}  // namespace

std::vector<double> exposed_comm_shares(const models::LayerOps& layer, const hw::OpTimeModel& time_model,
                                        const hw::ClusterSpec& cluster) {
  std::vector<double> shares(layer.ops.size(), 1.0);
  auto hidden = [](const Op& op) { return op.hidden_under != HiddenUnder::kNothing; };
  if (std::none_of(layer.ops.begin(), layer.ops.end(), hidden)) return shares;
  struct Sums {
    double comm_s = 0, cover_s = 0;
    double covering_fraction = 1;  // of the compute that runs beside communication: (cp - 1) / cp for the ring
  };
  std::map<GroupKey, Sums> groups;
  for (const Op& op : layer.ops)
    if (hidden(op)) {
      Sums& g = groups[{op.hidden_under, sub_block(op.role), op.pass == Pass::kForward}];
      g.comm_s += communication_seconds(op, cluster);
      if (op.hidden_under == HiddenUnder::kAttentionCore)
        g.covering_fraction = (op.group_ranks - 1.0) / std::max(1, op.group_ranks);
    }
  for (const Op& op : layer.ops)
    for (HiddenUnder under : {HiddenUnder::kSubBlockGemms, HiddenUnder::kAttentionCore}) {
      const int block = sub_block(op.role);
      if (block < 0 || !covers(under, op)) continue;
      const auto it = groups.find({under, block, op.pass == Pass::kForward});
      if (it != groups.end()) it->second.cover_s += time_model.seconds(op);
    }
  for (std::size_t i = 0; i < layer.ops.size(); ++i) {
    const Op& op = layer.ops[i];
    if (!hidden(op)) continue;
    const Sums& g = groups.at({op.hidden_under, sub_block(op.role), op.pass == Pass::kForward});
    shares[i] = g.comm_s > 0 ? std::max(0.0, g.comm_s - g.covering_fraction * g.cover_s) / g.comm_s : 1.0;
  }
  return shares;
}

}  // namespace trainsim::sim
