// The flows of one EP stage op under a routed load on the simulated GPUs of one pipeline device (step_graph.h says
// why each fidelity carries them so): gpu, each link's matrix port by port among the GPUs it joins
// (port_flows.h); stage, the layer's straggler's row out and, where it exceeds it, its column in, to and from
// idle peers that stand for its group.
#pragma once
#include <vector>

#include "hardware/cluster_spec.h"
#include "models/routed_load.h"
#include "sim/engine/activity_graph.h"
#include "sim/step/replica_gpus.h"
#include "sim/step/routed_load_view.h"
#include "sim/step/stage_ops.h"
#include "sim/step/step_graph.h"

namespace trainsim::sim {

// Adds the flows of `op` in `microbatch` on `device`'s members, each after what its member's next op waits for
// (`ready`, by member), and returns per member the flows that member's next op then waits for: those it sends
// and those it receives (empty where it has none).
std::vector<std::vector<int>> add_routed_ep_flows(ActivityGraph& graph, const ReplicaGpus& gpus,
                                                  const hw::ClusterSpec& cluster, Fidelity fidelity, int device,
                                                  const StageOp& op, const models::RoutedLayerLoad& layer,
                                                  RoutedLoadView& view, const std::vector<std::vector<int>>& ready,
                                                  int microbatch);

}  // namespace trainsim::sim
