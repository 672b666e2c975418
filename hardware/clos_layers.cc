// The shared fat-tree layers (see clos_layers.h). Switch indices continue from the switches of the same kind
// already in the graph, so that every switch of a multi-plane fabric has a unique name.
#include "hardware/clos_layers.h"

#include <fmt/format.h>

#include "core/ceil_div.h"

namespace trainsim::hw {
namespace {

int count_of(const TopologyGraph& graph, VertexKind kind) {
  int n = 0;
  for (auto [it, end] = boost::vertices(graph); it != end; ++it) n += graph[*it].kind == kind;
  return n;
}

// The fewest switches of `radix` ports that take `lowers` switches' `up_each` uplinks when each lower switch
// links to every one of them (its uplinks dealt round-robin, so some edges carry one cable more).
int fewest_uppers(int lowers, int up_each, int radix) {
  int uppers = ceil_div(lowers * up_each, radix);
  while (lowers * ceil_div(up_each, uppers) > radix) ++uppers;
  return uppers;
}

// Cables between lower switch and its u-th of `uppers` upper switches, dealing `up_each` uplinks round-robin.
int cables_to(int u, int up_each, int uppers) { return up_each / uppers + (u < up_each % uppers ? 1 : 0); }

std::vector<TopologyVertexId> add_leaves(const TopologyParams& p, const std::vector<ClosLeaf>& leaves, int plane,
                                         int pod_size, TopologyGraph& graph) {
  const LeafPorts ports = leaf_ports(p);
  const int before = count_of(graph, VertexKind::kLeafSwitch);
  std::vector<TopologyVertexId> ids;
  for (std::size_t l = 0; l < leaves.size(); ++l) {
    if (static_cast<int>(leaves[l].endpoints.size()) > ports.down)
      refuse_topology("nodes", fmt::format("{} NICs on one leaf", leaves[l].endpoints.size()),
                      fmt::format("at most {} (down ports)", ports.down));
    const int group = leaves[l].group >= 0 ? leaves[l].group : pod_size > 0 ? static_cast<int>(l) / pod_size : -1;
    const TopologyVertexId leaf =
        add_vertex(graph, VertexKind::kLeafSwitch, before + static_cast<int>(l), -1, plane, group);
    for (TopologyVertexId nic : leaves[l].endpoints)
      add_link(graph, nic, leaf, LinkKind::kNic, p.nic_bandwidth_bytes_per_s, p.nic_latency_s);
    ids.push_back(leaf);
  }
  return ids;
}

}  // namespace

LeafPorts leaf_ports(const TopologyParams& params) {
  const int up = params.switch_radix / (params.oversubscription + 1);
  return {params.switch_radix - up, up};
}

void add_two_layer_clos(const TopologyParams& p, const std::vector<ClosLeaf>& leaves, int plane,
                        TopologyGraph& graph) {
  const int leaf_count = static_cast<int>(leaves.size());
  if (leaf_count > p.switch_radix) {
    int endpoints = 0;
    for (const ClosLeaf& l : leaves) endpoints += static_cast<int>(l.endpoints.size());
    refuse_topology("nodes", fmt::format("{} NICs on a plane of {}-port switches", endpoints, p.switch_radix),
                    fmt::format("at most {} for a two-layer fat-tree", leaf_ports(p).down * p.switch_radix),
                    "use fewer nodes, more planes, larger switches or a three-layer fat-tree");
  }
  const std::vector<TopologyVertexId> leaf_ids = add_leaves(p, leaves, plane, 0, graph);
  if (leaf_count <= 1) return;  // one leaf switches all its endpoints itself
  const int up = leaf_ports(p).up;
  const int spine_count = fewest_uppers(leaf_count, up, p.switch_radix);
  const int before = count_of(graph, VertexKind::kSpineSwitch);
  for (int s = 0; s < spine_count; ++s) {
    const TopologyVertexId spine = add_vertex(graph, VertexKind::kSpineSwitch, before + s, -1, plane);
    for (TopologyVertexId leaf : leaf_ids)
      add_link(graph, leaf, spine, LinkKind::kFabric, p.fabric_bandwidth_bytes_per_s, p.fabric_latency_s,
               cables_to(s, up, spine_count));
  }
}

void add_three_layer_clos(const TopologyParams& p, const std::vector<ClosLeaf>& leaves, int plane,
                          TopologyGraph& graph) {
  const int pod_size = p.switch_radix / 2;  // leaves per pod: a spine's down ports
  const int leaf_count = static_cast<int>(leaves.size());
  const int pods = ceil_div(leaf_count, pod_size);
  if (pods > p.switch_radix) {
    int endpoints = 0;
    for (const ClosLeaf& l : leaves) endpoints += static_cast<int>(l.endpoints.size());
    refuse_topology("nodes", fmt::format("{} NICs on {}-port switches", endpoints, p.switch_radix),
                    fmt::format("at most {} for a three-layer fat-tree", leaf_ports(p).down * pod_size * p.switch_radix),
                    "use fewer nodes or larger switches");
  }
  const std::vector<TopologyVertexId> leaf_ids = add_leaves(p, leaves, plane, pod_size, graph);
  if (leaf_count <= 1) return;  // one leaf switches all its endpoints itself
  const int up = leaf_ports(p).up;  // spines per pod: one cable from every leaf to each
  const int spines_before = count_of(graph, VertexKind::kSpineSwitch);
  std::vector<std::vector<TopologyVertexId>> spines(static_cast<std::size_t>(pods));  // by pod
  for (int pod = 0; pod < pods; ++pod)
    for (int j = 0; j < up; ++j) {
      const TopologyVertexId spine =
          add_vertex(graph, VertexKind::kSpineSwitch, spines_before + pod * up + j, -1, plane, pod);
      spines[pod].push_back(spine);
      for (int l = pod * pod_size; l < std::min(leaf_count, (pod + 1) * pod_size); ++l)
        add_link(graph, leaf_ids[l], spine, LinkKind::kFabric, p.fabric_bandwidth_bytes_per_s, p.fabric_latency_s);
    }
  if (pods == 1) return;  // one pod's spines already join all its leaves
  const int spine_up = p.switch_radix / 2;
  const int cores_per_group = fewest_uppers(pods, spine_up, p.switch_radix);
  const int cores_before = count_of(graph, VertexKind::kCoreSwitch);
  for (int j = 0; j < up; ++j)
    for (int c = 0; c < cores_per_group; ++c) {
      const TopologyVertexId core =
          add_vertex(graph, VertexKind::kCoreSwitch, cores_before + j * cores_per_group + c, -1, plane, j);
      for (int pod = 0; pod < pods; ++pod)
        add_link(graph, spines[pod][j], core, LinkKind::kFabric, p.fabric_bandwidth_bytes_per_s, p.fabric_latency_s,
                 cables_to(c, spine_up, cores_per_group));
    }
}

}  // namespace trainsim::hw
