// NCCL's cost model for ring and tree collectives (see nccl_collective.h). Every constant is NCCL's own
// (src/graph/tuning.cc, tag v2.29.7-1, commit b91894bd5b190c874d98a017f93f5daa515b65d0) or an nccl-tests
// figure published by NVIDIA's NCCL team; docs/sources.md#nccl lists them.
#include "hardware/nccl_collective.h"

#include <algorithm>
#include <bit>

#include "core/error.h"

namespace trainsim::hw {
namespace {

// NOTE: NCCL has three protocols (LL, LL128, Simple); trainsim prices Simple alone, the one NCCL runs for the
// megabyte-and-up messages of TP and ZeRO collectives. Below about a megabyte NCCL switches to LL/LL128 with
// lower latencies, so small collectives here are slower than NCCL's (docs/sources.md#nccl).
// tuning.cc baseLatencies, Simple column: tree 8.4 us, ring 8.4 us.
constexpr double kBaseLatencyS = 8.4e-6;
// tuning.cc hwLatencies, Simple column: NVLink ring 3.4 us, NVLink tree 4.0 us; NET ring and tree 14 us
// (a group with one GPU per node takes the tree's NET figure: also 14 us).
constexpr double kNvLinkRingStepS = 3.4e-6;
constexpr double kNvLinkTreeStepS = 4.0e-6;
constexpr double kNetStepS = 14e-6;

// Bus-bandwidth efficiency: the ring's nccl-tests busbw over the cluster's link bandwidth.
// NVLink 1.0: the cluster's NVLink figure is already the achieved rate (80% of the per-direction peak: H800
// 160 of 200 GB/s, DeepSeek-V3 tech report 3.2.2; H100 360 of 450), the same protocol overhead NCCL's ring
// shows on H100 (busbw about 370 of 450 GB/s, S. Jeaugey, NVIDIA/nccl-tests#212).
constexpr double kNvLinkRingEfficiency = 1.0;
// NIC 0.94: 46-48 GB/s of busbw per 400 Gb/s (50 GB/s) NDR NIC (D. Addison, NVIDIA/nccl-tests#290); 47 / 50.
constexpr double kNicRingEfficiency = 0.94;
// tuning.cc: a tree all-reduce reaches 0.92 of the bus bandwidth a ring does ("busBw*.92").
constexpr double kTreeEfficiency = 0.92;

int log2_floor(int n) { return std::bit_width(static_cast<unsigned>(n)) - 1; }  // NCCL's log2i

}  // namespace

std::string_view collective_kind_name(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllReduce: return "all-reduce";
    case CollectiveKind::kAllGather: return "all-gather";
    case CollectiveKind::kReduceScatter: return "reduce-scatter";
  }
  return "?";
}

std::string_view nccl_algorithm_name(NcclAlgorithm algorithm) {
  return algorithm == NcclAlgorithm::kRing ? "ring" : "tree";
}

CollectiveTime nccl_collective_time(const Collective& c, NcclAlgorithm algorithm, const ClusterSpec& cluster) {
  TS_CHECK(c.ranks >= 1 && c.ranks_per_node >= 1 && c.ranks % c.ranks_per_node == 0 && c.message_bytes >= 0,
           "collective of {} B over {} ranks, {} per node", c.message_bytes, c.ranks, c.ranks_per_node);
  const int nodes = c.nodes();
  TS_CHECK(algorithm == NcclAlgorithm::kRing || (c.kind == CollectiveKind::kAllReduce && nodes > 1),
           "NCCL runs a tree for an all-reduce across nodes only, not a {} over {} node(s)",
           collective_kind_name(c.kind), nodes);
  CollectiveTime t;
  t.algorithm = algorithm;
  t.link = nodes > 1 ? CollectiveLink::kNic : CollectiveLink::kNvLink;
  if (c.ranks <= 1 || c.message_bytes <= 0) return t;
  const double n = c.ranks;
  const bool all_reduce = c.kind == CollectiveKind::kAllReduce;
  double efficiency = t.link == CollectiveLink::kNic ? kNicRingEfficiency : kNvLinkRingEfficiency;
  if (algorithm == NcclAlgorithm::kRing) {
    // nccl-tests PERFORMANCE.md: an all-reduce moves 2(n-1)/n of S over each rank's link, an all-gather or a
    // reduce-scatter (n-1)/n. tuning.cc: 2(n-1) or n-1 steps, those between nodes at the NET latency.
    t.steps = all_reduce ? 2 * (c.ranks - 1) : c.ranks - 1;
    t.bus_bytes = c.message_bytes * (all_reduce ? 2.0 : 1.0) * (n - 1) / n;
    const int net_steps = nodes == 1 ? 0 : all_reduce ? 2 * (nodes - 1) : nodes - 1;
    t.latency_s = kBaseLatencyS + (t.steps - net_steps) * kNvLinkRingStepS + net_steps * kNetStepS;
  } else {
    // tuning.cc: a chain inside each node and a tree over the nodes, up then down; the tree's algorithm
    // bandwidth is half its bus bandwidth, so each link carries 2S.
    const int levels = (c.ranks_per_node - 1) + log2_floor(nodes);
    t.steps = 2 * levels;
    t.bus_bytes = 2.0 * c.message_bytes;
    t.latency_s = kBaseLatencyS +
                  2.0 * ((c.ranks_per_node - 1) * kNvLinkTreeStepS + log2_floor(nodes) * kNetStepS);
    efficiency *= kTreeEfficiency;
  }
  t.link_bytes = t.bus_bytes / efficiency;
  if (t.link == CollectiveLink::kNvLink) {
    t.bandwidth_s = t.link_bytes / cluster.nvlink_bandwidth_bytes_per_s;
    return t;
  }
  // NOTE: NCCL builds one ring (or tree) per channel and binds each channel to its own NIC, so a ring enters and
  // leaves a node through one of the node's ranks: with r ranks on a node, the node's bus bytes leave over the
  // NICs of all r, bus_bytes / r on each rank's NIC, while the hops inside the node carry bus_bytes on NVLink.
  // One rank per node (a TP-8 layout's DP group) sends everything over its own NIC. The slower of the two legs
  // sets the pace (docs/sources.md#nccl-node-rings).
  const double nic_s = t.link_bytes / c.ranks_per_node / cluster.nic_bandwidth_bytes_per_s;
  const double nvlink_s = c.ranks_per_node > 1 ? t.bus_bytes / kNvLinkRingEfficiency / cluster.nvlink_bandwidth_bytes_per_s : 0;
  if (nvlink_s > nic_s) {
    t.link = CollectiveLink::kNvLink;
    t.link_bytes = t.bus_bytes / kNvLinkRingEfficiency;
    t.bandwidth_s = nvlink_s;
  } else {
    t.link_bytes /= c.ranks_per_node;
    t.bandwidth_s = nic_s;
  }
  return t;
}

CollectiveTime nccl_collective_time(const Collective& c, const ClusterSpec& cluster) {
  const CollectiveTime ring = nccl_collective_time(c, NcclAlgorithm::kRing, cluster);
  if (c.kind != CollectiveKind::kAllReduce || c.nodes() <= 1) return ring;
  const CollectiveTime tree = nccl_collective_time(c, NcclAlgorithm::kTree, cluster);
  return tree.seconds() < ring.seconds() ? tree : ring;
}

}  // namespace trainsim::hw
