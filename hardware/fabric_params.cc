// A sized network's builder parameters (see fabric_params.h).
#include "hardware/fabric_params.h"

#include <fmt/format.h>

namespace trainsim::hw {

TopologyParams fabric_params(const FabricRequest& r) {
  if (r.nics_per_node < 1 || r.endpoints < 1 || r.endpoints % r.nics_per_node != 0)
    refuse_topology("endpoints", fmt::format("{} endpoints of {} NICs per node", r.endpoints, r.nics_per_node),
                    "a positive multiple of the NICs per node");
  TopologyParams p;
  p.nodes = r.endpoints / r.nics_per_node;
  p.gpus_per_node = r.nics_per_node;
  p.nics_per_node = r.nics_per_node;
  p.switch_radix = r.switch_radix;
  p.nic_bandwidth_bytes_per_s = r.link_bytes_per_s;
  p.fabric_bandwidth_bytes_per_s = r.link_bytes_per_s;
  p.oversubscription = r.oversubscription;
  return p;
}

}  // namespace trainsim::hw
