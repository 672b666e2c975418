// Power and energy of a run: each GPU board at idle + (TDP - idle) x its utilisation, each node's overhead
// beside its GPUs, each scale-out switch of the topology, all times the facility's PUE (docs/sources.md#energy).
#pragma once
#include <optional>

#include "hardware/cluster_spec.h"
#include "sim/step/step_estimate.h"

namespace trainsim::sim {

// The share of the dynamic range (TDP - idle) a GPU draws over a step: 1 while it computes; comm_sms / SMs
// while only exposed communication runs (the communication kernels hold that share of the SMs, the rest
// idle); 0 in the pipeline bubble and the other waits (no kernel runs). compute_s is the critical device's
// (the simulation counts the optimizer in it; the closed form leaves its few-millisecond sweep at idle).
double gpu_utilisation(const StepEstimate& step, const hw::ClusterSpec& cluster);

// One board's power at a utilisation in [0, 1]: cluster.power.gpu_idle_w to the TDP, cluster.gpu.power_w.
double gpu_power_w(const hw::ClusterSpec& cluster, double utilisation);

// The IT power of the whole cluster, its parts apart.
struct ClusterPower {
  double gpus_w = 0;
  double nodes_w = 0;    // node overhead x nodes
  double network_w = 0;  // switch power x scale-out switches
  double it_w() const { return gpus_w + nodes_w + network_w; }
};
ClusterPower cluster_power(const hw::ClusterSpec& cluster, int switches, double utilisation);

// Scale-out switches (leaves and spines) of the cluster's built topology (hw::Topology::switch_count); nullopt
// where no builder can build it (a plane past two layers), and the run leaves the network out with a note.
std::optional<int> scale_out_switches(const hw::ClusterSpec& cluster);

// Energy over the run, IT parts apart; the facility's is their sum times the PUE.
struct RunEnergy {
  double gpus_mwh = 0;
  double nodes_mwh = 0;
  double network_mwh = 0;
  double pue = 1;
  int switches = 0;
  bool network_known = true;  // false: the topology could not be built, network_mwh is 0
  double mwh_per_trillion_tokens = 0;  // facility energy of the modelled segments over their tokens
  double it_mwh() const { return gpus_mwh + nodes_mwh + network_mwh; }
  double facility_mwh() const { return it_mwh() * pue; }
};

// Adds `seconds` of the whole cluster at `power` to `energy`; returns the facility MWh it adds.
double add_energy(RunEnergy& energy, const ClusterPower& power, double seconds);

}  // namespace trainsim::sim
