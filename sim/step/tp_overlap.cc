// The exposed share of overlapped TP collectives (tp_overlap.h).
#include "sim/step/tp_overlap.h"

#include <algorithm>
#include <map>
#include <utility>

#include "sim/step/layer_timing.h"

namespace trainsim::sim {
namespace {

using models::Op;
using models::OpRole;
using models::Pass;

// The sub-block a role belongs to: the attention's collectives (attention.tp) pair with the attention's GEMMs, the
// MLP's (mlp.tp) with the dense MLP's or the MoE block's (router, experts).
int sub_block(OpRole role) {
  switch (role) {
    case OpRole::kAttention:
    case OpRole::kAttentionTp: return 0;
    case OpRole::kMlp:
    case OpRole::kMlpTp:
    case OpRole::kExperts:
    case OpRole::kRouter: return 1;
    default: return -1;
  }
}

// Forward with forward; the backward's collectives run in Bi and pair with Bi's and W's GEMMs.
bool is_forward(Pass pass) { return pass == Pass::kForward; }

bool overlapping_gemm(const Op& op) {
  return (op.kind == models::OpKind::kGemm || op.kind == models::OpKind::kGroupedGemm) && !op.attention_core;
}

}  // namespace

std::vector<double> tp_exposed_shares(const models::LayerOps& layer, const hw::OpTimeModel& time_model,
                                      const hw::ClusterSpec& cluster) {
  std::vector<double> shares(layer.ops.size(), 1.0);
  if (std::none_of(layer.ops.begin(), layer.ops.end(), [](const Op& op) { return op.overlaps_gemms; })) return shares;
  // Per (sub-block, forward?): the overlapped collectives' seconds and the GEMMs' seconds.
  std::map<std::pair<int, bool>, std::pair<double, double>> sums;
  for (const Op& op : layer.ops) {
    const int block = sub_block(op.role);
    if (block < 0) continue;
    auto& [comm_s, gemm_s] = sums[{block, is_forward(op.pass)}];
    if (op.overlaps_gemms) comm_s += communication_seconds(op, cluster);
    if (overlapping_gemm(op)) gemm_s += time_model.seconds(op);
  }
  for (std::size_t i = 0; i < layer.ops.size(); ++i) {
    const Op& op = layer.ops[i];
    if (!op.overlaps_gemms) continue;
    const auto& [comm_s, gemm_s] = sums.at({sub_block(op.role), is_forward(op.pass)});
    shares[i] = comm_s > 0 ? std::max(0.0, comm_s - gemm_s) / comm_s : 1.0;
  }
  return shares;
}

}  // namespace trainsim::sim
