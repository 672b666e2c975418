// The scenario's `cluster.network_failures:` section (hw::NetworkFailures), a what-if: `parts` (a list of
// switch, link, NIC or plane names of the scenario's network: spine3, leaf2-spine5, gpu7-nic, plane1) and
// `link_failure_rate` (each switch-to-switch link fails with this probability, drawn from the scenario's seed).
// Every simulated step then runs on what is left (sim/step/step_simulation.h builds the network with them).
#pragma once
#include "core/yaml_reader.h"
#include "hardware/cluster_spec.h"

namespace trainsim::sim {

// Reads `node` into cluster.network_failures, after the rest of the cluster (the part names are checked on the
// network it builds: an unknown one is refused at its line, with the closest name the network has).
void read_network_failures(const ConfigNode& node, std::uint64_t seed, hw::ClusterSpec& cluster);

}  // namespace trainsim::sim
