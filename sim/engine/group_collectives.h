// A group's collectives simulated on a network (SimGrid, through run_engine): the all-to-all of an EP group and
// the ring all-reduce of a DP group, as `trainsim topology` reports them for a network or a scenario's.
#pragma once
#include <vector>

#include "hardware/topology.h"

namespace trainsim::sim {

// Every GPU of `gpus` sends `bytes_per_pair` to every other one at once, each pair one flow on the route the
// topology's rule gives it (across planes over NVLink, as DeepSeek's node-limited path does). Seconds until the
// last flow ends.
double simulate_all_to_all_s(const hw::Topology& topology, const std::vector<int>& gpus, double bytes_per_pair);

// A ring all-reduce of `bytes` over `gpus` in that order: reduce-scatter then all-gather, 2 (n - 1) rounds in
// which each GPU sends bytes / n to the next; a GPU sends round r's chunk when round r - 1's has reached it.
// Seconds until the last round ends (latency-free links: 2 (n - 1) / n x bytes over the slowest hop's share).
double simulate_ring_all_reduce_s(const hw::Topology& topology, const std::vector<int>& gpus, double bytes);

// NCCL's bus bandwidth of an all-reduce (NCCL tests, doc/PERFORMANCE.md): bytes / time x 2 (n - 1) / n, the
// rate each link of the ring carries, comparable across group sizes.
double all_reduce_bus_bytes_per_s(double bytes, int gpus, double seconds);

// The groups trainsim topology places: `gpus_per_group` consecutive GPUs from GPU 0 (DeepSeek-V3's EP 64 on 8
// nodes), and GPU 0 of `nodes_in_ring` nodes spread evenly over the network (a DP ring across it).
std::vector<int> consecutive_gpus(const hw::Topology& topology, int gpus_per_group);
std::vector<int> spread_ring(const hw::Topology& topology, int nodes_in_ring);

// The collectives `trainsim topology` reports for a network: the all-to-all of an EP group of 64 consecutive GPUs
// (DeepSeek-V3's EP 64 over 8 nodes), 4 MiB per pair, and a 1 GiB ring all-reduce over GPU 0 of 16 nodes spread
// across the network; both clipped to a smaller network.
struct GroupCollectiveFigures {
  int ep_gpus = 0;
  double ep_bytes_per_pair = 4.0 * (1 << 20);
  double ep_all_to_all_s = 0;
  int dp_gpus = 0;
  double dp_bytes = 1.0 * (1 << 30);
  double dp_all_reduce_s = 0;
  // Bytes each GPU sends over the time: (ep_gpus - 1) x bytes per pair / time.
  double ep_bytes_per_s_per_gpu() const;
  double dp_bus_bytes_per_s() const { return all_reduce_bus_bytes_per_s(dp_bytes, dp_gpus, dp_all_reduce_s); }
};
GroupCollectiveFigures simulate_group_collectives(const hw::Topology& topology);

}  // namespace trainsim::sim
