// The EP all-to-all as flows on DeepSeek-V3's node-limited path (tech report section 3.2.2): a sender's data
// for a node crosses InfiniBand once, to the GPU of the sender's index there, which forwards each other
// GPU's share over NVLink. And the analytic bound it is checked against: the bytes on the busiest link
// (per direction) over that link's bandwidth.
#pragma once
#include <vector>

#include "hardware/topology.h"
#include "sim/engine/activity_graph.h"

namespace trainsim::sim {

struct FlowDemand {
  int src_gpu = 0;
  int dst_gpu = 0;
  double bytes = 0;
};

// Every GPU of `gpus` sends `bytes_per_pair` to every other one (balanced loads). Same node: one NVLink
// flow. Other node: one IB flow per (sender, target node) of the bytes for all GPUs there, to the relay
// (same GPU index). Each relay forwards to each other GPU of its node in one NVLink flow carrying the shares
// of all remote senders (the forwarding kernel serves a destination, not a sender; the merge keeps every
// link's bytes and cuts the flows from 63 to 21 per GPU on 8 nodes). All flows run concurrently: the relay
// forwards as it receives (pipelined, as DeepSeek's kernels do in chunks).
std::vector<FlowDemand> node_limited_all_to_all(const hw::Topology& topology, const std::vector<int>& gpus,
                                                double bytes_per_pair);

// max over links and directions of (bytes routed over it) / bandwidth: no schedule of these flows ends sooner
// (latency aside).
double busiest_link_time_s(const hw::Topology& topology, const std::vector<FlowDemand>& flows);

// Adds each demand as an independent flow, labelled with its sender as rank.
void add_flows(ActivityGraph& graph, const std::vector<FlowDemand>& flows, const std::string& name);

}  // namespace trainsim::sim
