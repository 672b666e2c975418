// Failing parts of a network (see topology_failures.h): the failed links are left out of a copy of the graph,
// every vertex kept in place (a failed switch stays, with no links), the rest renumbered in order.
#include "hardware/topology_failures.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/connected_components.hpp>
#include <boost/graph/filtered_graph.hpp>
#pragma GCC diagnostic pop

#include "core/did_you_mean.h"
#include "core/error.h"

namespace trainsim::hw {
namespace {

// A uniform draw in [0, 1) from the engine's raw output: the 53 high bits, the same on every standard library
// (std::uniform_real_distribution's algorithm is left to the implementation).
double unit_draw(std::mt19937_64& engine) { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }

// Whether two sorted lists hold a common value.
bool share_one(const std::vector<int>& a, const std::vector<int>& b) {
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i == *j) return true;
    *i < *j ? ++i : ++j;
  }
  return false;
}

}  // namespace

FailedNetwork fail_parts(const Topology& topology, const NetworkFailures& failures, const std::string& origin,
                         const std::string& key) {
  TS_CHECK(failures.link_failure_rate >= 0 && failures.link_failure_rate <= 1, "link failure rate {} outside 0..1",
           failures.link_failure_rate);
  const TopologyGraph& g = topology.graph();
  std::map<std::string, std::vector<TopologyVertexId>> switches_named;
  for (auto [it, end] = boost::vertices(g); it != end; ++it) {
    if (!is_switch(g[*it].kind)) continue;
    switches_named[topology.vertex_name(*it)].push_back(*it);
    switches_named[fmt::format("plane{}", g[*it].plane)].push_back(*it);
  }
  std::map<std::string, std::vector<int>> links_named;
  for (int link = 0; link < topology.edge_count(); ++link) links_named[topology.link_name(link)].push_back(link);

  std::vector<bool> link_failed(static_cast<std::size_t>(topology.edge_count()), false);
  std::set<TopologyVertexId> failed_switches;
  for (const std::string& part : failures.parts) {
    if (const auto s = switches_named.find(part); s != switches_named.end()) {
      failed_switches.insert(s->second.begin(), s->second.end());
    } else if (const auto l = links_named.find(part); l != links_named.end()) {
      for (int link : l->second) link_failed[static_cast<std::size_t>(link)] = true;
    } else {
      std::vector<std::string> names;
      for (const auto& [name, _] : switches_named) names.push_back(name);
      for (const auto& [name, _] : links_named) names.push_back(name);
      throw ConfigError(SourceLocation{origin, 0, 0, key}, fmt::format("no part called '{}' in this network", part),
                        "a switch (leaf0, spine0, core0), a link (leaf0-spine0, gpu0-nic, gpu0-nvlink) or planeN",
                        did_you_mean(part, names));
    }
  }
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    if (failed_switches.count(boost::source(*it, g)) || failed_switches.count(boost::target(*it, g)))
      link_failed[static_cast<std::size_t>(g[*it].id)] = true;
  }
  // One draw per fabric link in id order, whatever else failed: the same seed fails the same links.
  std::mt19937_64 engine(failures.seed);
  for (int link = 0; link < topology.edge_count(); ++link)
    if (topology.edge(link).kind == LinkKind::kFabric && failures.link_failure_rate > 0 &&
        unit_draw(engine) < failures.link_failure_rate)
      link_failed[static_cast<std::size_t>(link)] = true;

  TopologyGraph kept;
  for (auto [it, end] = boost::vertices(g); it != end; ++it) boost::add_vertex(g[*it], kept);
  std::vector<TopologyEdgeId> by_id(static_cast<std::size_t>(topology.edge_count()));
  for (auto [it, end] = boost::edges(g); it != end; ++it) by_id[static_cast<std::size_t>(g[*it].id)] = *it;
  FailedParts failed;
  failed.switches = static_cast<int>(failed_switches.size());
  int next_id = 0;
  for (int link = 0; link < topology.edge_count(); ++link) {
    const TopologyEdgeId e = by_id[static_cast<std::size_t>(link)];
    TopologyEdge edge = g[e];
    if (link_failed[static_cast<std::size_t>(link)]) {
      (edge.kind == LinkKind::kFabric ? failed.fabric_links : edge.kind == LinkKind::kNic ? failed.nics : failed.nvlinks)++;
      continue;
    }
    edge.id = next_id++;
    boost::add_edge(boost::source(e, g), boost::target(e, g), edge, kept);
  }
  return {Topology(topology.kind(), std::move(kept), topology.nodes(), topology.gpus_per_node(), topology.nics_per_node()),
          failed};
}

NodeReachability node_reachability(const Topology& topology) {
  const TopologyGraph& g = topology.graph();
  // Fabric components: switches joined by switch-to-switch links (a multi-plane network's planes apart), by
  // Boost.Graph's connected_components on the graph seen through its fabric links only.
  const auto fabric_only = [&g](const TopologyEdgeId& e) { return g[e].kind == LinkKind::kFabric; };
  const boost::filtered_graph<TopologyGraph, std::function<bool(const TopologyEdgeId&)>> fabric(g, fabric_only);
  std::vector<int> component(boost::num_vertices(g), -1);
  boost::connected_components(fabric, component.data());
  // Each node reaches the components its NICs' leaves are in: any GPU of it reaches any of its NICs over
  // NVLink (the routing rule), so two nodes are joined when they share a component.
  std::vector<std::vector<int>> reached(static_cast<std::size_t>(topology.nodes()));
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    if (g[*e].kind != LinkKind::kNic) continue;
    const TopologyVertexId a = boost::source(*e, g), b = boost::target(*e, g);
    const TopologyVertexId gpu = g[a].kind == VertexKind::kGpu ? a : b, leaf = gpu == a ? b : a;
    reached[static_cast<std::size_t>(topology.node_of(g[gpu].index))].push_back(component[leaf]);
  }
  for (std::vector<int>& r : reached) {
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
  }
  NodeReachability out;
  for (std::size_t a = 0; a < reached.size(); ++a)
    for (std::size_t b = a + 1; b < reached.size(); ++b) {
      ++out.node_pairs;
      out.disconnected_pairs += !share_one(reached[a], reached[b]);
    }
  return out;
}

}  // namespace trainsim::hw
