// cluster.network_failures: the part names checked one by one on the scenario's healthy network.
#include "sim/scenario/network_failures_section.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "hardware/topology_builder.h"
#include "hardware/topology_failures.h"

namespace trainsim::sim {

void read_network_failures(const ConfigNode& node, std::uint64_t seed, hw::ClusterSpec& cluster) {
  node.require_map();
  node.allow_only(std::vector<std::string>{"parts", "link_failure_rate"});
  hw::NetworkFailures& f = cluster.network_failures;
  f.seed = seed;
  if (auto rate = node.get("link_failure_rate")) {
    f.link_failure_rate = rate->as_number();
    if (!(f.link_failure_rate >= 0 && f.link_failure_rate <= 1)) rate->fail("is outside 0 to 1", "a probability, 0 to 1");
  }
  const std::optional<ConfigNode> parts = node.get("parts");
  if (!parts) return;
  if (!parts->is_sequence()) parts->fail("is not a list", "a list of part names: [plane1, spine3]");
  std::optional<hw::Topology> network;
  try {
    network.emplace(hw::build_topology(cluster.topology, hw::topology_params(cluster)));
  } catch (const ConfigError&) {
    // The network itself cannot be built: the simulation reports that at the cluster's keys.
  }
  for (const ConfigNode& element : parts->elements()) {
    const std::string name = element.as_string();
    if (network) {
      try {
        hw::fail_parts(*network, {{name}, 0, 0}, element.file(), element.path());
      } catch (const ConfigError& e) {
        element.fail(e.problem(), e.expected(), e.hint());
      }
    }
    f.parts.push_back(name);
  }
}

}  // namespace trainsim::sim
