// Communication pipelined with compute, priced as what the compute cannot cover. Two kinds (models::HiddenUnder):
// - TP communication overlap (Megatron's --tp-comm-overlap, Transformer Engine's userbuffers): each sub-block's TP
//   collectives are cut into chunks pipelined with the sub-block's GEMMs (the all-gather ahead of QKV and FC1 with
//   them, the reduce-scatter after the output projections with them; in backward the mirrors with the dgrad and
//   wgrad GEMMs). Exposed of a sub-block's collectives in a pass: max(0, collectives - GEMMs).
// - Context parallelism's ring (Megatron-Core's cp_comm_type "p2p"): cp - 1 sends of K and V (in backward also of
//   their gradients), each under the core's work on the chunk already there; the core's cp steps are alike under
//   the load-balanced split, so cp - 1 of them cover: exposed max(0, sends - core x (cp - 1) / cp).
// Both fidelities run the remainder: the closed form as time, the engine as the ops' bytes and latency scaled to it.
// NOTE: the hidden part is assumed to cost its compute nothing. Userbuffers move data with the copy engines on
// Hopper, but their reduce-scatter sums with a few SMs, and NCCL's sends hold SMs; the first chunk of each pipeline
// is never hidden. Both are left out: this is the overlap's upper bound.
#pragma once
#include <vector>

#include "hardware/cluster_spec.h"
#include "hardware/op_time_model.h"
#include "models/op_catalog.h"

namespace trainsim::sim {

// The share of each op of `layer` that stays exposed: 1 for every op but the communication marked
// Op::hidden_under, whose share is its group's (the kind, the sub-block, forward or backward) exposed time over its
// time. The backward's communication (pass Bi) pairs with the Bi and W compute.
std::vector<double> exposed_comm_shares(const models::LayerOps& layer, const hw::OpTimeModel& time_model,
                                        const hw::ClusterSpec& cluster);

}  // namespace trainsim::sim
