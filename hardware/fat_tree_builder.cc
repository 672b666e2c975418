// Two-layer fat-tree planes (see fat_tree_builder.h). Counts reproduce the ISCA 2025 table for 64-port
// switches: FT2 2,048 endpoints / 96 switches / 2,048 links; MPFT (8 planes) 16,384 / 768 / 16,384.
#include "hardware/fat_tree_builder.h"

#include "core/error.h"

namespace trainsim::hw {
namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// The GPUs of `graph` in index order, for which `keep(gpu index)` holds.
template <typename Keep>
std::vector<TopologyVertexId> gpus_where(const TopologyGraph& graph, Keep keep) {
  std::vector<TopologyVertexId> gpus;
  for (auto [it, end] = boost::vertices(graph); it != end; ++it)
    if (graph[*it].kind == VertexKind::kGpu && keep(graph[*it].index)) gpus.push_back(*it);
  return gpus;
}

// One plane: leaves for `endpoints` (in order, radix/2 per leaf), then spines. Switch indices continue from
// the counts already in the graph so that every leaf and spine has a unique name.
void add_plane(const TopologyParams& p, const std::vector<TopologyVertexId>& endpoints, int plane,
               TopologyGraph& graph) {
  const int down = p.switch_radix / 2;
  const int endpoint_count = static_cast<int>(endpoints.size());
  if (endpoint_count > down * p.switch_radix)
    throw ConfigError(SourceLocation{{}, 0, 0, "cluster.nodes"},
                      fmt::format("{} NICs on a plane of {}-port switches", endpoint_count, p.switch_radix),
                      fmt::format("at most {} for a two-layer fat-tree", down * p.switch_radix),
                      "use fewer nodes, more planes or larger switches");
  int leaves_before = 0;
  int spines_before = 0;
  for (auto [it, end] = boost::vertices(graph); it != end; ++it) {
    leaves_before += graph[*it].kind == VertexKind::kLeafSwitch;
    spines_before += graph[*it].kind == VertexKind::kSpineSwitch;
  }
  const int leaf_count = ceil_div(endpoint_count, down);
  std::vector<TopologyVertexId> leaves;
  for (int l = 0; l < leaf_count; ++l)
    leaves.push_back(add_vertex(graph, VertexKind::kLeafSwitch, leaves_before + l, -1, plane));
  for (int e = 0; e < endpoint_count; ++e)
    add_link(graph, endpoints[e], leaves[e / down], LinkKind::kNic, p.nic_bandwidth_bytes_per_s, p.nic_latency_s);
  if (leaf_count == 1) return;  // one leaf switches all its endpoints itself
  int spine_count = ceil_div(leaf_count * down, p.switch_radix);
  while (leaf_count * ceil_div(down, spine_count) > p.switch_radix) ++spine_count;
  for (int s = 0; s < spine_count; ++s) {
    const TopologyVertexId spine = add_vertex(graph, VertexKind::kSpineSwitch, spines_before + s, -1, plane);
    const int cables = down / spine_count + (s < down % spine_count ? 1 : 0);
    for (TopologyVertexId leaf : leaves)
      add_link(graph, leaf, spine, LinkKind::kFabric, p.fabric_bandwidth_bytes_per_s, p.fabric_latency_s, cables);
  }
}

}  // namespace

// NOTE: a NIC is drawn as the link from the first GPU that uses it (GPU k < nics_per_node of its node) to
// its leaf; the GPUs k + nics_per_node, ... of the node reach it over PCIe and send on that same link
// (Topology maps them to it), so the engine divides one NIC's rate among them.
void build_fat_tree(const TopologyParams& params, TopologyGraph& graph) {
  const int nics = params.nics_per_node > 0 ? params.nics_per_node : params.gpus_per_node;
  add_plane(params, gpus_where(graph, [&](int gpu) { return gpu % params.gpus_per_node < nics; }), 0, graph);
}

void build_multi_plane_fat_tree(const TopologyParams& params, TopologyGraph& graph) {
  const int nics = params.nics_per_node > 0 ? params.nics_per_node : params.gpus_per_node;
  const int planes = params.planes > 0 ? params.planes : nics;
  for (int k = 0; k < planes; ++k)
    add_plane(params, gpus_where(graph, [&](int gpu) {
                const int nic = gpu % params.gpus_per_node;
                return nic < nics && nic % planes == k;
              }), k, graph);
}

}  // namespace trainsim::hw
