// NetworkFailures: the parts of a network a what-if fails (hardware/topology_failures.h applies them), as a
// scenario's cluster.network_failures or `trainsim topology --fail` names them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace trainsim::hw {

struct NetworkFailures {
  // Parts by the names the network gives them: a switch ("spine3", "leaf12", "core0"), a link ("leaf2-spine5",
  // "gpu7-nic" for a NIC, "gpu7-nvlink"), or "planeN" for every switch of plane N (multi-plane fat-tree).
  std::vector<std::string> parts;
  // Each switch-to-switch link fails with this probability, drawn from `seed` (the same seed, the same links).
  double link_failure_rate = 0;
  std::uint64_t seed = 0;

  bool empty() const { return parts.empty() && link_failure_rate <= 0; }
};

}  // namespace trainsim::hw
