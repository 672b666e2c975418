// Energy = power x time per part of the cluster; 1 MWh = 3.6e9 J.
#include "sim/cost/energy_estimate.h"

#include <algorithm>

#include "core/error.h"
#include "hardware/topology_builder.h"

namespace trainsim::sim {

double gpu_utilisation(const StepEstimate& step, const hw::ClusterSpec& cluster) {
  if (step.step_time_s <= 0) return 0;
  const double comm_share = static_cast<double>(cluster.comm_sm_count) / cluster.gpu.sm_count;
  const double busy_s = step.compute_s + comm_share * step.exposed_comm_s;
  return std::clamp(busy_s / step.step_time_s, 0.0, 1.0);
}

double gpu_power_w(const hw::ClusterSpec& cluster, double utilisation) {
  const double idle_w = cluster.power.gpu_idle_w;
  return idle_w + (cluster.gpu.power_w - idle_w) * utilisation;
}

ClusterPower cluster_power(const hw::ClusterSpec& cluster, int switches, double utilisation) {
  return ClusterPower{cluster.gpu_count() * gpu_power_w(cluster, utilisation),
                      cluster.nodes * cluster.power.node_overhead_w, switches * cluster.power.switch_w};
}

std::optional<int> scale_out_switches(const hw::ClusterSpec& cluster) {
  try {
    return hw::build_topology(cluster.topology, hw::topology_params(cluster)).switch_count();
  } catch (const ConfigError&) {
    return std::nullopt;
  }
}

double add_energy(RunEnergy& energy, const ClusterPower& power, double seconds) {
  constexpr double kJoulesPerMwh = 3.6e9;
  energy.gpus_mwh += power.gpus_w * seconds / kJoulesPerMwh;
  energy.nodes_mwh += power.nodes_w * seconds / kJoulesPerMwh;
  energy.network_mwh += power.network_w * seconds / kJoulesPerMwh;
  return power.it_w() * seconds / kJoulesPerMwh * energy.pue;
}

}  // namespace trainsim::sim
