// Breadth-first searches over the fabric (see topology_distances.h).
#include "hardware/topology_distances.h"

#include <deque>
#include <limits>

namespace trainsim::hw {

TopologyDistances topology_distances(const Topology& topology, int max_sources) {
  const TopologyGraph& g = topology.graph();
  const std::size_t n = boost::num_vertices(g);
  std::vector<char> holds_nic(n, 0);
  for (auto [it, end] = boost::edges(g); it != end; ++it)
    if (g[*it].kind == LinkKind::kNic) {
      const auto s = boost::source(*it, g);
      holds_nic[g[s].kind == VertexKind::kGpu ? boost::target(*it, g) : s] = 1;
    }
  std::vector<TopologyVertexId> nic_switches;
  for (std::size_t v = 0; v < n; ++v)
    if (holds_nic[v]) nic_switches.push_back(v);
  TopologyDistances out;
  if (nic_switches.size() < 2) return out;
  std::vector<TopologyVertexId> sources;
  const std::size_t count = nic_switches.size();
  const std::size_t wanted = std::min(count, static_cast<std::size_t>(std::max(1, max_sources)));
  for (std::size_t i = 0; i < wanted; ++i) sources.push_back(nic_switches[i * count / wanted]);
  out.sources = static_cast<int>(sources.size());
  out.exact = wanted == count;
  out.path_diversity = std::numeric_limits<double>::infinity();
  std::vector<int> dist(n);
  std::vector<double> paths(n);
  for (TopologyVertexId from : sources) {
    std::fill(dist.begin(), dist.end(), -1);
    std::fill(paths.begin(), paths.end(), 0.0);
    dist[from] = 0;
    paths[from] = 1;
    std::deque<TopologyVertexId> queue{from};
    int farthest = 0;
    while (!queue.empty()) {
      const TopologyVertexId u = queue.front();
      queue.pop_front();
      for (auto [it, end] = boost::out_edges(u, g); it != end; ++it) {
        if (g[*it].kind != LinkKind::kFabric) continue;
        const TopologyVertexId w = boost::target(*it, g);
        if (dist[w] < 0) {
          dist[w] = dist[u] + 1;
          queue.push_back(w);
        }
        if (dist[w] == dist[u] + 1) paths[w] += paths[u] * g[*it].cables;
      }
    }
    for (TopologyVertexId v : nic_switches) farthest = std::max(farthest, dist[v]);
    if (farthest > out.diameter_hops) {
      out.diameter_hops = farthest;
      out.path_diversity = std::numeric_limits<double>::infinity();
    }
    if (farthest < out.diameter_hops) continue;
    for (TopologyVertexId v : nic_switches)
      if (dist[v] == farthest) out.path_diversity = std::min(out.path_diversity, paths[v]);
  }
  if (out.diameter_hops == 0) out.path_diversity = 1;  // one switch: every pair meets on it
  return out;
}

}  // namespace trainsim::hw
