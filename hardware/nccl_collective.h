// NcclCollective: the time of one NCCL all-reduce, all-gather or reduce-scatter over a group of GPUs, priced
// the way NCCL's own tuner prices it (src/graph/tuning.cc at v2.29.7-1): a base latency, a latency per step,
// and the bytes on each rank's link over its bus bandwidth (nccl-tests doc/PERFORMANCE.md). docs/sources.md#nccl.
#pragma once
#include <string_view>

#include "hardware/cluster_spec.h"

namespace trainsim::hw {

enum class CollectiveKind { kAllReduce, kAllGather, kReduceScatter };
enum class NcclAlgorithm { kRing, kTree };
enum class CollectiveLink { kNvLink, kNic };

std::string_view collective_kind_name(CollectiveKind kind);  // "all-reduce", "all-gather", "reduce-scatter"
std::string_view nccl_algorithm_name(NcclAlgorithm algorithm);  // "ring", "tree"

struct Collective {
  CollectiveKind kind = CollectiveKind::kAllReduce;
  // nccl-tests' size S: the all-reduce's buffer, the all-gather's output, the reduce-scatter's input.
  double message_bytes = 0;
  int ranks = 1;           // n
  int ranks_per_node = 1;  // of the n on one node; the group spans ranks / ranks_per_node nodes
  int nodes() const { return ranks / ranks_per_node; }
};

struct CollectiveTime {
  NcclAlgorithm algorithm = NcclAlgorithm::kRing;
  CollectiveLink link = CollectiveLink::kNvLink;  // NIC once the group spans nodes: the slowest link sets the pace
  int steps = 0;           // sends one after another: ring 2(n-1) (all-reduce) or n-1; tree 2 per level
  double bus_bytes = 0;    // what each rank's link carries: ring S(n-1)/n per pass, tree 2S (tuning.cc)
  double latency_s = 0;    // NCCL's base latency plus a latency per step
  double bandwidth_s = 0;  // bus_bytes / (link bandwidth x the algorithm's bus-bandwidth efficiency)
  // Bytes that take bandwidth_s at the link's rate: what an engine flow carries for this collective.
  double link_bytes = 0;
  double seconds() const { return latency_s + bandwidth_s; }
};

// Seconds of `collective` by `algorithm` on `cluster`'s links (tree: all-reduce across nodes only).
CollectiveTime nccl_collective_time(const Collective& collective, NcclAlgorithm algorithm, const ClusterSpec& cluster);

// NCCL's choice: the algorithm its tuner predicts fastest (tuning.cc, ncclTopoGetAlgoTime); tree is a candidate
// only for an all-reduce across nodes, so small and medium inter-node all-reduces go by tree, the rest by ring.
CollectiveTime nccl_collective_time(const Collective& collective, const ClusterSpec& cluster);

}  // namespace trainsim::hw
