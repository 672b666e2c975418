// The topology registry (see topology_builder.h) and the node layout every builder starts from: 8 GPUs on
// one NVSwitch per node (DGX/HGX H800), GPU g of node n numbered n * gpus_per_node + g.
#include "hardware/topology_builder.h"

#include <map>

#include "core/error.h"
#include "hardware/dragonfly_builder.h"
#include "hardware/fat_tree_builder.h"
#include "hardware/rail_optimized_builder.h"
#include "hardware/slim_fly_builder.h"
#include "hardware/three_layer_fat_tree_builder.h"

namespace trainsim::hw {
namespace {

std::map<TopologyKind, TopologyBuilder>& registry() {
  static std::map<TopologyKind, TopologyBuilder> builders{
      {TopologyKind::kFatTree, build_fat_tree},
      {TopologyKind::kMultiPlaneFatTree, build_multi_plane_fat_tree},
      {TopologyKind::kRailOptimized, build_rail_optimized_fat_tree},
      {TopologyKind::kThreeLayerFatTree, build_three_layer_fat_tree},
      {TopologyKind::kSlimFly, build_slim_fly},
      {TopologyKind::kDragonfly, build_dragonfly},
  };
  return builders;
}

void add_nodes(const TopologyParams& p, TopologyGraph& graph) {
  for (int n = 0; n < p.nodes; ++n) {
    std::vector<TopologyVertexId> gpus;
    for (int g = 0; g < p.gpus_per_node; ++g)
      gpus.push_back(add_vertex(graph, VertexKind::kGpu, n * p.gpus_per_node + g, n));
    const TopologyVertexId nvswitch = add_vertex(graph, VertexKind::kNvSwitch, n, n);
    for (TopologyVertexId gpu : gpus)
      add_link(graph, gpu, nvswitch, LinkKind::kNvLink, p.nvlink_bandwidth_bytes_per_s, p.nvlink_latency_s);
  }
}

}  // namespace

TopologyParams topology_params(const ClusterSpec& cluster, int switch_radix) {
  TopologyParams p;
  p.nodes = cluster.nodes;
  p.gpus_per_node = cluster.gpus_per_node;
  p.switch_radix = switch_radix;
  p.nvlink_bandwidth_bytes_per_s = cluster.nvlink_bandwidth_bytes_per_s;
  p.nvlink_latency_s = cluster.nvlink_latency_s;
  p.nics_per_node = cluster.nic_count_per_node();
  p.planes = cluster.topology == TopologyKind::kMultiPlaneFatTree ? cluster.plane_count() : 0;
  // The NIC's own rate: GPUs sharing a NIC share its one link, so the engine divides it by their flows.
  p.nic_bandwidth_bytes_per_s = cluster.nic_bandwidth_bytes_per_s;
  p.nic_latency_s = cluster.nic_latency_s;
  p.fabric_bandwidth_bytes_per_s = cluster.nic_bandwidth_bytes_per_s;
  return p;
}

void register_topology_builder(TopologyKind kind, TopologyBuilder builder) {
  registry()[kind] = std::move(builder);
}

Topology build_topology(TopologyKind kind, const TopologyParams& params) {
  const auto found = registry().find(kind);
  if (found == registry().end())
    throw ConfigError(SourceLocation{{}, 0, 0, "cluster.topology"}, fmt::format("no builder for {}", topology_name(kind)),
                      "fat-tree, multi-plane-fat-tree, rail-optimized, fat-tree-3, slim-fly or dragonfly");
  if (params.nodes < 1 || params.gpus_per_node < 1)
    throw ConfigError(SourceLocation{{}, 0, 0, "cluster.nodes"},
                      fmt::format("{} nodes of {} GPUs", params.nodes, params.gpus_per_node), "at least 1 of each");
  const int nics = params.nics_per_node > 0 ? params.nics_per_node : params.gpus_per_node;
  if (nics > params.gpus_per_node || params.gpus_per_node % nics != 0)
    throw ConfigError(SourceLocation{{}, 0, 0, "cluster.nics_per_node"},
                      fmt::format("{} NICs for {} GPUs per node", nics, params.gpus_per_node),
                      "a divisor of gpus_per_node");
  if (params.planes < 0 || (params.planes > 0 && (params.planes > nics || nics % params.planes != 0)))
    throw ConfigError(SourceLocation{{}, 0, 0, "cluster.planes"}, fmt::format("{} planes for {} NICs per node", params.planes, nics),
                      "a divisor of nics_per_node");
  if (params.switch_radix < 2 || params.switch_radix % 2 != 0)
    throw ConfigError(SourceLocation{{}, 0, 0, "cluster.switch_radix"}, fmt::format("{}", params.switch_radix),
                      "an even port count of at least 2");
  if (params.oversubscription < 1 || params.switch_radix % (params.oversubscription + 1) != 0)
    throw ConfigError(SourceLocation{{}, 0, 0, "cluster.oversubscription"},
                      fmt::format("{}:1 on {}-port switches", params.oversubscription, params.switch_radix),
                      "a ratio of at least 1 that splits the ports into whole down and up counts");
  TopologyGraph graph;
  add_nodes(params, graph);
  found->second(params, graph);
  return Topology(kind, std::move(graph), params.nodes, params.gpus_per_node, nics);
}

TopologyVertexId add_vertex(TopologyGraph& graph, VertexKind kind, int index, int node, int plane, int group) {
  return boost::add_vertex(TopologyVertex{kind, index, node, plane, group}, graph);
}

void add_link(TopologyGraph& graph, TopologyVertexId lower, TopologyVertexId upper, LinkKind kind,
              double bandwidth_bytes_per_s, double latency_s, int cables, std::optional<CableMedium> medium) {
  const int id = static_cast<int>(boost::num_edges(graph));
  const CableMedium m = medium.value_or(kind == LinkKind::kFabric ? CableMedium::kOptical : CableMedium::kCopper);
  boost::add_edge(lower, upper, TopologyEdge{kind, id, cables, bandwidth_bytes_per_s, latency_s, m}, graph);
}

std::vector<TopologyVertexId> nic_gpus(const TopologyParams& params, const TopologyGraph& graph) {
  const int nics = params.nics_per_node > 0 ? params.nics_per_node : params.gpus_per_node;
  std::vector<TopologyVertexId> gpus;
  for (auto [it, end] = boost::vertices(graph); it != end; ++it)
    if (graph[*it].kind == VertexKind::kGpu && graph[*it].index % params.gpus_per_node < nics) gpus.push_back(*it);
  return gpus;
}

void refuse_topology(std::string_view field, std::string got, std::string expected, std::string hint) {
  throw ConfigError(SourceLocation{{}, 0, 0, fmt::format("cluster.{}", field)}, std::move(got), std::move(expected),
                    std::move(hint));
}

}  // namespace trainsim::hw
