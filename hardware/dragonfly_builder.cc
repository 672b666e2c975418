// The canonical Dragonfly (see dragonfly_builder.h).
#include "hardware/dragonfly_builder.h"

#include <fmt/format.h>

namespace trainsim::hw {

DragonflyShape dragonfly_shape(int radix, int endpoints) {
  DragonflyShape s;
  s.h = (radix + 1) / 4;
  s.a = 2 * s.h;
  s.p = s.h;
  if (s.h < 1) refuse_topology("switch_radix", fmt::format("{}", radix), "at least 4 ports for a Dragonfly");
  const int per_group = s.a * s.p;
  s.groups = std::max(1, (endpoints + per_group - 1) / per_group);
  const int most = s.a * s.h + 1;
  if (s.groups > most)
    refuse_topology("nodes", fmt::format("{} NICs on a Dragonfly of {}-port routers", endpoints, radix),
                    fmt::format("at most {} ({} groups of {} routers)", most * per_group, most, s.a),
                    "use fewer nodes or larger switches");
  return s;
}

void build_dragonfly(const TopologyParams& p, TopologyGraph& graph) {
  if (p.oversubscription != 1)
    refuse_topology("oversubscription", fmt::format("{}:1", p.oversubscription), "1:1 (a Dragonfly has no leaf layer)");
  const std::vector<TopologyVertexId> nics = nic_gpus(p, graph);
  const DragonflyShape s = dragonfly_shape(p.switch_radix, static_cast<int>(nics.size()));
  std::vector<TopologyVertexId> routers;
  for (int r = 0; r < s.routers(); ++r) routers.push_back(add_vertex(graph, VertexKind::kLeafSwitch, r, -1, 0, r / s.a));
  for (std::size_t e = 0; e < nics.size(); ++e)
    add_link(graph, nics[e], routers[e / static_cast<std::size_t>(s.p)], LinkKind::kNic, p.nic_bandwidth_bytes_per_s,
             p.nic_latency_s);
  const auto router = [&](int group, int r) { return routers[static_cast<std::size_t>(group * s.a + r)]; };
  for (int g = 0; g < s.groups; ++g)
    for (int r = 0; r < s.a; ++r)
      for (int r2 = r + 1; r2 < s.a; ++r2)
        add_link(graph, router(g, r), router(g, r2), LinkKind::kFabric, p.fabric_bandwidth_bytes_per_s,
                 p.fabric_latency_s, 1, CableMedium::kCopper);
  const int ports = s.a * s.h;
  const auto global = [&](int g, int port, int g2, int port2) {
    add_link(graph, router(g, port / s.h), router(g2, port2 / s.h), LinkKind::kFabric, p.fabric_bandwidth_bytes_per_s,
             p.fabric_latency_s, 1, CableMedium::kOptical);
  };
  // One link per pair of groups, consecutive arrangement: port j of group g leads to group j (j < g) or j + 1.
  for (int g = 0; g < s.groups; ++g)
    for (int j = 0; j < s.groups - 1; ++j) {
      const int target = j < g ? j : j + 1;
      if (target > g) global(g, j, target, g);  // at the target, port g leads back (g < target)
    }
  // Spare ports: 2i of group g to 2i + 1 of group g + i + 1.
  const int spares = ports - (s.groups - 1);
  if (s.groups < 2) return;
  for (int g = 0; g < s.groups; ++g)
    for (int i = 0; 2 * i + 1 < spares; ++i) {
      const int target = (g + i + 1) % s.groups;
      if (target == g) continue;
      global(g, s.groups - 1 + 2 * i, target, s.groups - 1 + 2 * i + 1);
    }
}

}  // namespace trainsim::hw
