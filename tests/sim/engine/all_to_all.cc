// Node-limited all-to-all flows and the busiest-link bound (see all_to_all.h).
#include "tests/sim/engine/all_to_all.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace trainsim::sim {

std::vector<FlowDemand> node_limited_all_to_all(const hw::Topology& topology, const std::vector<int>& gpus,
                                                double bytes_per_pair) {
  TS_CHECK(bytes_per_pair >= 0, "negative bytes {}", bytes_per_pair);
  const int per_node = topology.gpus_per_node();
  std::map<int, std::vector<int>> by_node;  // node -> its GPUs in the group
  for (int g : gpus) by_node[topology.node_of(g)].push_back(g);
  std::vector<FlowDemand> flows;
  std::map<std::pair<int, int>, double> forwarded;  // (relay, dst) -> bytes from senders on other nodes
  for (int src : gpus) {
    for (const auto& [node, members] : by_node) {
      if (node == topology.node_of(src)) {
        for (int dst : members)
          if (dst != src) flows.push_back({src, dst, bytes_per_pair});
        continue;
      }
      const int relay = node * per_node + src % per_node;
      TS_CHECK(std::find(members.begin(), members.end(), relay) != members.end(),
               "relay GPU {} of node {} is not in the EP group", relay, node);
      flows.push_back({src, relay, bytes_per_pair * static_cast<double>(members.size())});
      for (int dst : members)
        if (dst != relay) forwarded[{relay, dst}] += bytes_per_pair;
    }
  }
  for (const auto& [pair, bytes] : forwarded) flows.push_back({pair.first, pair.second, bytes});
  return flows;
}

double busiest_link_time_s(const hw::Topology& topology, const std::vector<FlowDemand>& flows) {
  std::map<std::pair<int, bool>, double> bytes;  // (link, up) -> bytes
  for (const FlowDemand& f : flows)
    for (const hw::RouteHop& hop : topology.route(f.src_gpu, f.dst_gpu)) bytes[{hop.link, hop.up}] += f.bytes;
  double worst_s = 0;
  for (const auto& [key, b] : bytes)
    worst_s = std::max(worst_s, b / topology.link_bandwidth_bytes_per_s(key.first));
  return worst_s;
}

void add_flows(ActivityGraph& graph, const std::vector<FlowDemand>& flows, const std::string& name) {
  const int id = graph.intern(name);
  for (const FlowDemand& f : flows) graph.add_flow(f.src_gpu, f.dst_gpu, f.bytes, {f.src_gpu, id, -1, /*tag=*/0});
}

}  // namespace trainsim::sim
