// TP communication overlap (Megatron's --tp-comm-overlap, Transformer Engine's userbuffers): each sub-block's TP
// collectives are split into chunks pipelined with the sub-block's GEMMs (the all-gather ahead of QKV and FC1 with
// them, the reduce-scatter after the output projections with them; in backward the mirrors with the dgrad and wgrad
// GEMMs). What stays exposed of a sub-block's collectives in a pass is what its GEMMs of that pass cannot cover:
// max(0, collectives - GEMMs). Both fidelities run that remainder: the closed form as time, the engine as the
// collectives' bytes and latency scaled to it.
// NOTE: the hidden part is assumed to cost its GEMMs nothing. Userbuffers' ring exchange moves data with the copy
// engines on Hopper, but its reduce-scatter sums with a few SMs; and the first chunk of each pipeline is never
// hidden. Both are left out: this is the overlap's upper bound.
#pragma once
#include <vector>

#include "hardware/cluster_spec.h"
#include "hardware/op_time_model.h"
#include "models/op_catalog.h"

namespace trainsim::sim {

// The share of each op of `layer` that stays exposed: 1 for every op but the TP collectives marked
// Op::overlaps_gemms, whose share is their sub-block's and pass's max(0, collectives - GEMMs) / collectives. The
// backward's collectives (pass Bi) pair with the sub-block's Bi and W GEMMs.
std::vector<double> tp_exposed_shares(const models::LayerOps& layer, const hw::OpTimeModel& time_model,
                                      const hw::ClusterSpec& cluster);

}  // namespace trainsim::sim
