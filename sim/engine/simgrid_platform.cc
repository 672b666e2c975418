// SimGrid export of a topology slice (see simgrid_platform.h). Calls as probed in docs/simgrid.md#platform:
// create_full_zone, create_host, create_split_duplex_link + set_latency + seal, add_route (asymmetric).
#include "sim/engine/simgrid_platform.h"

#include <simgrid/s4u.hpp>
#include <unordered_map>

#include "core/error.h"

namespace sg4 = simgrid::s4u;

namespace trainsim::hw {
namespace {

class LinkMaker {
 public:
  LinkMaker(const Topology& topology, sg4::NetZone* zone) : topology_(topology), zone_(zone) {}

  sg4::LinkInRoute hop(const RouteHop& h) {
    sg4::SplitDuplexLink*& link = links_[h.link];
    if (link == nullptr) {
      link = zone_->create_split_duplex_link(topology_.link_name(h.link),
                                             topology_.link_bandwidth_bytes_per_s(h.link));
      link->set_latency(topology_.edge(h.link).latency_s)->seal();
    }
    return {link, h.up ? sg4::LinkInRoute::Direction::UP : sg4::LinkInRoute::Direction::DOWN};
  }
  int count() const { return static_cast<int>(links_.size()); }

 private:
  const Topology& topology_;
  sg4::NetZone* zone_;
  std::unordered_map<int, sg4::SplitDuplexLink*> links_;
};

}  // namespace

SimGridPlatform build_simgrid_platform(const Topology& topology, const std::vector<int>& gpus,
                                       const std::vector<std::pair<int, int>>& routes,
                                       const std::vector<double>& pstate_speeds_flops_per_s) {
  TS_CHECK(!pstate_speeds_flops_per_s.empty() && pstate_speeds_flops_per_s.front() > 0, "no host speed");
  std::vector<int> host_of(static_cast<std::size_t>(topology.gpu_count()), -1);  // GPU -> index in gpus
  sg4::NetZone* zone = sg4::create_full_zone("cluster");
  SimGridPlatform platform;
  for (int gpu : gpus) {
    TS_CHECK(gpu >= 0 && gpu < topology.gpu_count() && host_of[gpu] < 0, "GPU {} out of range or repeated", gpu);
    host_of[gpu] = static_cast<int>(platform.hosts.size());
    platform.hosts.push_back(zone->create_host(fmt::format("gpu{}", gpu), pstate_speeds_flops_per_s)->seal());
  }
  LinkMaker links(topology, zone);
  for (auto [src, dst] : routes) {
    TS_CHECK(src != dst && src >= 0 && dst >= 0 && src < topology.gpu_count() && dst < topology.gpu_count() &&
                 host_of[src] >= 0 && host_of[dst] >= 0,
             "route {} -> {} outside the slice", src, dst);
    std::vector<sg4::LinkInRoute> route;
    for (const RouteHop& h : topology.route(src, dst)) route.push_back(links.hop(h));
    zone->add_route(platform.hosts[host_of[src]]->get_netpoint(), platform.hosts[host_of[dst]]->get_netpoint(),
                    nullptr, nullptr, route, false);
    ++platform.route_count;
  }
  zone->seal();
  platform.link_count = links.count();
  return platform;
}

}  // namespace trainsim::hw
