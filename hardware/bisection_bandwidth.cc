// Max-flow across the natural halving (see bisection_bandwidth.h). Capacities are whole bytes per second
// (int64): push-relabel on floating capacities can stall on rounding, and 64K NICs of 400 Gb/s sum to 3.3e15.
#include "hardware/bisection_bandwidth.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/push_relabel_max_flow.hpp>
#pragma GCC diagnostic pop

namespace trainsim::hw {
namespace {

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

// An arc u -> v of `capacity` and its zero-capacity reverse, as push_relabel_max_flow requires.
void add_arc(FlowGraph& g, std::size_t u, std::size_t v, std::int64_t capacity) {
  auto capacity_of = boost::get(boost::edge_capacity, g);
  auto reverse_of = boost::get(boost::edge_reverse, g);
  const auto forward = boost::add_edge(u, v, g).first;
  const auto backward = boost::add_edge(v, u, g).first;
  capacity_of[forward] = capacity;
  capacity_of[backward] = 0;
  reverse_of[forward] = backward;
  reverse_of[backward] = forward;
}

}  // namespace

double bisection_bandwidth_bytes_per_s(const Topology& topology) {
  const TopologyGraph& g = topology.graph();
  // Switch vertices numbered densely; then the source and the sink.
  std::vector<int> switch_number(boost::num_vertices(g), -1);
  int switches = 0;
  for (auto [it, end] = boost::vertices(g); it != end; ++it) {
    if (is_switch(g[*it].kind)) switch_number[*it] = switches++;
  }
  const std::size_t source = static_cast<std::size_t>(switches);
  const std::size_t sink = source + 1;
  FlowGraph flow(source + 2);
  struct Nic {
    int gpu;
    int leaf;
    std::int64_t bytes_per_s;
  };
  std::vector<Nic> nics;
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const TopologyEdge& e = g[*it];
    const auto s = boost::source(*it, g);
    const auto t = boost::target(*it, g);
    const auto bytes = static_cast<std::int64_t>(std::llround(e.bandwidth_bytes_per_s * e.cables));
    if (e.kind == LinkKind::kFabric) {
      add_arc(flow, static_cast<std::size_t>(switch_number[s]), static_cast<std::size_t>(switch_number[t]), bytes);
      add_arc(flow, static_cast<std::size_t>(switch_number[t]), static_cast<std::size_t>(switch_number[s]), bytes);
    } else if (e.kind == LinkKind::kNic) {
      const bool source_is_gpu = g[s].kind == VertexKind::kGpu;
      nics.push_back({g[source_is_gpu ? s : t].index, switch_number[source_is_gpu ? t : s], bytes});
    }
  }
  std::sort(nics.begin(), nics.end(), [](const Nic& a, const Nic& b) { return a.gpu < b.gpu; });
  // Per leaf, the NIC bandwidth of each half (summed, one arc each).
  std::vector<std::int64_t> from_source(static_cast<std::size_t>(switches), 0);
  std::vector<std::int64_t> to_sink(static_cast<std::size_t>(switches), 0);
  for (std::size_t i = 0; i < nics.size(); ++i)
    (i < nics.size() / 2 ? from_source : to_sink)[static_cast<std::size_t>(nics[i].leaf)] += nics[i].bytes_per_s;
  for (int s = 0; s < switches; ++s) {
    if (from_source[s] > 0) add_arc(flow, source, static_cast<std::size_t>(s), from_source[s]);
    if (to_sink[s] > 0) add_arc(flow, static_cast<std::size_t>(s), sink, to_sink[s]);
  }
  if (nics.size() < 2) return 0;
  return static_cast<double>(boost::push_relabel_max_flow(flow, source, sink));
}

}  // namespace trainsim::hw
