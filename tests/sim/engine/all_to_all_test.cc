// The EP all-to-all on the event engine (issue 5: 64 GPUs on 8 nodes under node-limited routing match the
// busiest-link bound within 5%), and the bound itself against its closed form for balanced loads.
#include "tests/sim/engine/all_to_all.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "hardware/topology_builder.h"
#include "core/child_process.h"
#include "sim/engine/engine.h"

namespace trainsim::sim {
namespace {

constexpr double kBytesPerPair = 16e6;

hw::Topology eight_nodes(double nvlink_bandwidth_bytes_per_s) {
  hw::TopologyParams p;
  p.nodes = 8;
  p.nvlink_bandwidth_bytes_per_s = nvlink_bandwidth_bytes_per_s;
  p.nic_bandwidth_bytes_per_s = 50e9;
  p.nvlink_latency_s = 1e-6;
  p.nic_latency_s = 1.5e-6;
  return hw::build_topology(hw::TopologyKind::kMultiPlaneFatTree, p);
}

std::vector<int> all_gpus(const hw::Topology& t) {
  std::vector<int> gpus(static_cast<std::size_t>(t.gpu_count()));
  for (int g = 0; g < t.gpu_count(); ++g) gpus[g] = g;
  return gpus;
}

TEST(AllToAll, BusiestLinkBoundMatchesClosedForm) {
  // Each NIC sends 7 nodes x 8 GPUs x b and each relay's NVLink out carries 7 local + 7 x 7 forwarded shares.
  for (double nvlink : {160e9, 40e9}) {
    const hw::Topology t = eight_nodes(nvlink);
    const auto flows = node_limited_all_to_all(t, all_gpus(t), kBytesPerPair);
    EXPECT_DOUBLE_EQ(busiest_link_time_s(t, flows), 56 * kBytesPerPair / std::min(nvlink, 50e9));
    EXPECT_EQ(flows.size(), 64u * (7 + 7 + 7));  // per GPU: local sends, IB sends, forwards as a relay
  }
}

TEST(AllToAll, SixtyFourGpusOnEightNodesMatchTheBusiestLinkBound) {
  for (double nvlink : {160e9, 40e9}) {  // bound by InfiniBand, then by NVLink
    const hw::Topology t = eight_nodes(nvlink);
    const auto flows = node_limited_all_to_all(t, all_gpus(t), kBytesPerPair);
    const double bound_s = busiest_link_time_s(t, flows);
    const auto makespan = run_in_child([&] {
      ActivityGraph graph;
      add_flows(graph, flows, "dispatch");
      return std::vector<double>{run_engine(graph, t).makespan_s};
    });
    EXPECT_GE(makespan[0], bound_s) << "NVLink " << nvlink;  // a law: no link moves bytes faster than its bandwidth
    // 5%, issue 5's bound: max-min sharing is fair, not makespan-optimal, so some links finish early and
    // the busiest one is not busy throughout; a larger gap means flows on wrong routes or extra hops.
    EXPECT_NEAR(makespan[0], bound_s, 0.05 * bound_s) << "NVLink " << nvlink;
  }
}

TEST(AllToAll, RelayMustBeInTheGroup) {
  const hw::Topology t = eight_nodes(160e9);
  EXPECT_THROW(node_limited_all_to_all(t, {0, 1, 9}, 1.0), Error);  // GPU 0's relay on node 1 is GPU 8
}

}  // namespace
}  // namespace trainsim::sim
