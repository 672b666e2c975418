// Slim Fly MMS graphs (see slim_fly_builder.h).
#include "hardware/slim_fly_builder.h"

#include <fmt/format.h>

#include <set>

#include "hardware/galois_field.h"

namespace trainsim::hw {
namespace {

bool field_fits(int q, int delta) {
  const auto pm = GaloisField::prime_power(q);
  if (!pm) return false;
  return delta != 0 || pm->first == 2;  // q = 4w needs characteristic 2
}

// The generator sets {X, X'} of slim_fly_builder.h, as powers of xi.
std::pair<std::vector<int>, std::vector<int>> generator_powers(int q, int delta) {
  std::vector<int> x, x_prime;
  if (delta == 1 || delta == 0) {
    const int last_even = delta == 1 ? q - 3 : q - 2;
    for (int k = 0; k <= last_even; k += 2) x.push_back(k);
    for (int k = 1; k <= last_even + 1; k += 2) x_prime.push_back(k);
  } else {
    const int w = (q + 1) / 4;
    for (int k = 0; k <= 2 * w - 2; k += 2) x.push_back(k);
    for (int k = 2 * w - 1; k <= 4 * w - 3; k += 2) x.push_back(k);
    for (int k = 1; k <= 2 * w - 1; k += 2) x_prime.push_back(k);
    for (int k = 2 * w; k <= 4 * w - 2; k += 2) x_prime.push_back(k);
  }
  return {x, x_prime};
}

}  // namespace

SlimFlyShape slim_fly_shape(int radix, int endpoints) {
  SlimFlyShape largest;
  for (int q = 3;; ++q) {
    const int delta = q % 4 == 0 ? 0 : q % 4 == 1 ? 1 : q % 4 == 3 ? -1 : 2;
    if (delta == 2 || !field_fits(q, delta)) continue;
    SlimFlyShape s{q, delta, (3 * q - delta) / 2, 0};
    s.endpoints_per_router = (s.network_radix + 1) / 2;
    if (s.network_radix + s.endpoints_per_router > radix) break;
    largest = s;
    if (s.routers() * s.endpoints_per_router >= endpoints) return s;
  }
  refuse_topology("nodes", fmt::format("{} NICs on a Slim Fly of {}-port routers", endpoints, radix),
                  largest.q > 0 ? fmt::format("at most {} (q = {})", largest.routers() * largest.endpoints_per_router,
                                              largest.q)
                                : std::string("a radix of at least 8 (q = 3)"),
                  "use fewer nodes or larger switches");
}

void build_slim_fly(const TopologyParams& p, TopologyGraph& graph) {
  if (p.oversubscription != 1)
    refuse_topology("oversubscription", fmt::format("{}:1", p.oversubscription), "1:1 (Slim Fly has no leaf layer)");
  const std::vector<TopologyVertexId> nics = nic_gpus(p, graph);
  const SlimFlyShape shape = slim_fly_shape(p.switch_radix, static_cast<int>(nics.size()));
  const int q = shape.q;
  const GaloisField field(q);
  std::vector<TopologyVertexId> routers;
  for (int r = 0; r < shape.routers(); ++r)
    routers.push_back(add_vertex(graph, VertexKind::kLeafSwitch, r, -1, 0, r / (q * q)));
  for (std::size_t e = 0; e < nics.size(); ++e)
    add_link(graph, nics[e], routers[e / static_cast<std::size_t>(shape.endpoints_per_router)], LinkKind::kNic,
             p.nic_bandwidth_bytes_per_s, p.nic_latency_s);
  const auto router = [&](int subgraph, int a, int b) { return routers[static_cast<std::size_t>(subgraph * q * q + a * q + b)]; };
  const auto link = [&](TopologyVertexId u, TopologyVertexId v) {
    add_link(graph, u, v, LinkKind::kFabric, p.fabric_bandwidth_bytes_per_s, p.fabric_latency_s);
  };
  const auto [x_powers, x_prime_powers] = generator_powers(q, shape.delta);
  std::set<int> x, x_prime;
  for (int k : x_powers) x.insert(field.primitive_power(k));
  for (int k : x_prime_powers) x_prime.insert(field.primitive_power(k));
  // Inside each subgraph: q columns (x or m), each a circulant-like graph on its q routers.
  for (int subgraph = 0; subgraph < 2; ++subgraph) {
    const std::set<int>& gen = subgraph == 0 ? x : x_prime;
    for (int col = 0; col < q; ++col)
      for (int a = 0; a < q; ++a)
        for (int b = a + 1; b < q; ++b)
          if (gen.count(field.subtract(a, b))) link(router(subgraph, col, a), router(subgraph, col, b));
  }
  // Between subgraphs: (0, x, y) ~ (1, m, c) for y = m x + c.
  for (int xx = 0; xx < q; ++xx)
    for (int m = 0; m < q; ++m)
      for (int c = 0; c < q; ++c) link(router(0, xx, field.add(field.multiply(m, xx), c)), router(1, m, c));
}

}  // namespace trainsim::hw
