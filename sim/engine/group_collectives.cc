// Collectives of a group as activity graphs for the engine (see group_collectives.h).
#include "sim/engine/group_collectives.h"

#include <algorithm>

#include "core/error.h"
#include "sim/engine/engine.h"

namespace trainsim::sim {

double simulate_all_to_all_s(const hw::Topology& topology, const std::vector<int>& gpus, double bytes_per_pair) {
  TS_CHECK(bytes_per_pair > 0, "all-to-all of {} bytes per pair", bytes_per_pair);
  ActivityGraph graph;
  const int name = graph.intern("all-to-all");
  for (int src : gpus)
    for (int dst : gpus)
      if (src != dst) graph.add_flow(src, dst, bytes_per_pair, {src, name, -1, /*tag=*/0});
  return graph.size() == 0 ? 0 : run_engine(graph, topology).makespan_s;
}

double simulate_ring_all_reduce_s(const hw::Topology& topology, const std::vector<int>& gpus, double bytes) {
  TS_CHECK(bytes > 0, "all-reduce of {} bytes", bytes);
  const int n = static_cast<int>(gpus.size());
  if (n < 2) return 0;
  ActivityGraph graph;
  const int name = graph.intern("ring all-reduce");
  const double chunk = bytes / n;
  std::vector<int> previous(static_cast<std::size_t>(n), -1);  // by sender: its flow of the last round
  for (int round = 0; round < 2 * (n - 1); ++round) {
    std::vector<int> current(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const int flow = graph.add_flow(gpus[static_cast<std::size_t>(i)], gpus[static_cast<std::size_t>((i + 1) % n)],
                                      chunk, {i, name, -1, /*tag=*/0});
      // Sender i forwards what reached it from i - 1 in the round before.
      const int from_left = previous[static_cast<std::size_t>((i + n - 1) % n)];
      if (from_left >= 0) graph.add_dependency(from_left, flow);
      current[static_cast<std::size_t>(i)] = flow;
    }
    previous = std::move(current);
  }
  return run_engine(graph, topology).makespan_s;
}

double all_reduce_bus_bytes_per_s(double bytes, int gpus, double seconds) {
  return seconds > 0 && gpus > 1 ? bytes / seconds * 2.0 * (gpus - 1) / gpus : 0;
}

std::vector<int> consecutive_gpus(const hw::Topology& topology, int gpus_per_group) {
  std::vector<int> out;
  for (int g = 0; g < std::min(gpus_per_group, topology.gpu_count()); ++g) out.push_back(g);
  return out;
}

std::vector<int> spread_ring(const hw::Topology& topology, int nodes_in_ring) {
  const int n = std::min(nodes_in_ring, topology.nodes());
  std::vector<int> out;
  for (int k = 0; k < n; ++k) out.push_back(k * topology.nodes() / n * topology.gpus_per_node());
  return out;
}

double GroupCollectiveFigures::ep_bytes_per_s_per_gpu() const {
  return ep_all_to_all_s > 0 ? (ep_gpus - 1) * ep_bytes_per_pair / ep_all_to_all_s : 0;
}

GroupCollectiveFigures simulate_group_collectives(const hw::Topology& topology) {
  GroupCollectiveFigures f;
  const std::vector<int> ep = consecutive_gpus(topology, 64);
  const std::vector<int> dp = spread_ring(topology, 16);
  f.ep_gpus = static_cast<int>(ep.size());
  f.dp_gpus = static_cast<int>(dp.size());
  f.ep_all_to_all_s = simulate_all_to_all_s(topology, ep, f.ep_bytes_per_pair);
  f.dp_all_reduce_s = simulate_ring_all_reduce_s(topology, dp, f.dp_bytes);
  return f;
}

}  // namespace trainsim::sim
