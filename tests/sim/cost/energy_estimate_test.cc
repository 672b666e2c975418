// The energy model by hand on two 8-GPU H800 nodes: utilisation from a step's breakdown, each board between
// idle and TDP, the nodes' overhead, the switches the topology builds, the PUE.
#include "sim/cost/energy_estimate.h"

#include <gtest/gtest.h>

#include "hardware/gpu_catalog.h"
#include "hardware/gpu_power.h"

namespace trainsim::sim {
namespace {

// Tolerances: 1e-12 absolute on figures of order 1 (and 1e-9 on watts of order 1e4): a few roundings of
// products of doubles, far below any difference a wrong term would make.

hw::ClusterSpec two_h800_nodes(hw::TopologyKind topology) {
  hw::ClusterSpec c;
  c.gpu = hw::find_gpu("h800", {});
  c.nodes = 2;
  c.gpus_per_node = 8;
  c.nvlink_bandwidth_bytes_per_s = 160e9;
  c.nic_bandwidth_bytes_per_s = 50e9;
  c.topology = topology;
  c.comm_sm_count = 20;
  const hw::GpuPowerDefaults defaults = hw::gpu_power_defaults("h800");
  c.power.gpu_idle_w = defaults.idle_w;
  c.power.node_overhead_w = defaults.node_overhead_w;
  return c;
}

TEST(EnergyEstimate, UtilisationCountsComputeWholeAndExposedCommunicationAtItsSmShare) {
  StepEstimate step;
  step.step_time_s = 10;
  step.compute_s = 6;
  step.exposed_comm_s = 2.64;
  step.bubble_s = 1.36;  // idle: counts for nothing
  // (6 + 2.64 x 20 / 132) / 10 = (6 + 0.4) / 10
  EXPECT_NEAR(gpu_utilisation(step, two_h800_nodes(hw::TopologyKind::kFatTree)), 0.64, 1e-12);
  step.compute_s = 12;  // more busy time than the step (a simulation's overlap): capped at 1
  EXPECT_EQ(gpu_utilisation(step, two_h800_nodes(hw::TopologyKind::kFatTree)), 1.0);
}

TEST(EnergyEstimate, TwoNodesByHand) {
  const hw::ClusterSpec c = two_h800_nodes(hw::TopologyKind::kMultiPlaneFatTree);
  // The catalog's H800: idle 70 W (an assumption), TDP 700 W; node overhead 10.2 kW - 8 x 700 W = 4.6 kW.
  EXPECT_EQ(c.power.gpu_idle_w, 70);
  EXPECT_EQ(c.gpu.power_w, 700);
  EXPECT_EQ(c.power.node_overhead_w, 4600);
  EXPECT_NEAR(gpu_power_w(c, 0.64), 70 + 630 * 0.64, 1e-9);  // 473.2 W
  // Multi-plane fat-tree, one plane per NIC: 8 planes of 2 endpoints, one leaf each and no spine.
  ASSERT_EQ(scale_out_switches(c), 8);
  EXPECT_EQ(scale_out_switches(two_h800_nodes(hw::TopologyKind::kFatTree)), 1);  // 16 NICs on one 64-port leaf
  const ClusterPower p = cluster_power(c, 8, 0.64);
  EXPECT_NEAR(p.gpus_w, 16 * 473.2, 1e-9);  // 7,571.2 W
  EXPECT_NEAR(p.nodes_w, 2 * 4600, 1e-9);   // 9,200 W
  EXPECT_NEAR(p.network_w, 8 * 747, 1e-9);  // 5,976 W (QM9700 typical)
  // An hour of it at PUE 1.58: 22,747.2 W x 3600 s = 22.7472 kWh IT, 35.940576 kWh at the facility.
  RunEnergy energy;
  energy.pue = 1.58;
  const double facility_mwh = add_energy(energy, p, 3600);
  EXPECT_NEAR(energy.it_mwh(), 0.0227472, 1e-12);
  EXPECT_NEAR(facility_mwh, 0.035940576, 1e-12);
  EXPECT_NEAR(energy.facility_mwh(), 0.035940576, 1e-12);
  EXPECT_NEAR(energy.network_mwh, 0.005976, 1e-12);
}

}  // namespace
}  // namespace trainsim::sim
