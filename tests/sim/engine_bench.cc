// Speed of the event engine (a benchmark, not a test): wall time, activities per second and peak memory of
// chunk-level DualPipe runs (pp 16, growing micro-batches) and of node-limited all-to-alls (growing GPUs),
// each simulation in a child process; with how far each simulated time is from its reference.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "hardware/topology_builder.h"
#include "core/child_process.h"
#include "sim/all_to_all.h"
#include "sim/engine.h"
#include "sim/pipeline_graph.h"
#include "sim/schedule_request.h"
#include "sim/schedule_run.h"

using namespace trainsim;

namespace {

constexpr double kNicLatencyS = 1.5e-6;

hw::Topology multi_plane(int nodes) {
  hw::TopologyParams p;
  p.nodes = nodes;
  p.nic_latency_s = kNicLatencyS;
  p.nvlink_latency_s = 1e-6;
  return hw::build_topology(hw::TopologyKind::kMultiPlaneFatTree, p);
}

// Runs `build_and_run` (returning {simulated s, activities}) in a child; prints one line.
void measure(const char* what, double reference_s, const std::function<std::vector<double>()>& build_and_run) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> r = run_in_child(build_and_run);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  std::printf("%-34s activities %8.0f  wall %7.3f s  %9.0f act/s  peak RSS (children so far) %6.1f MB  "
              "simulated %.9g s  reference %.9g s  rel diff %.2e\n",
              what, r[1], wall_s, r[1] / wall_s, static_cast<double>(usage.ru_maxrss) / 1024.0, r[0], reference_s,
              (r[0] - reference_s) / reference_s);
}

void pipeline(int pp, int microbatches, double activation_bytes) {
  const sim::PipelineSchedule schedule = sim::make_schedule({sim::ScheduleKind::kDualPipe, pp, microbatches, 2});
  const std::vector<sim::ChunkTimes> times{{0.011, 0.022, 0.011, 0.030}};
  // Reference: the ideal executor with the P2P latency of two NIC hops (exact when no bytes move).
  const double reference_s = sim::run_schedule(schedule, times, 2 * kNicLatencyS).makespan_s;
  char what[96];
  std::snprintf(what, sizeof what, "dualpipe pp %d m %d act %.0f MB", pp, microbatches, activation_bytes / 1e6);
  measure(what, reference_s, [&] {
    const hw::Topology topology = multi_plane(pp);
    sim::PipelinePlacement placement;
    for (int r = 0; r < schedule.ranks(); ++r) placement.rank_gpus.push_back({r * topology.gpus_per_node()});
    placement.activation_bytes = activation_bytes;
    const sim::ActivityGraph graph = sim::pipeline_graph(schedule, times, placement);
    return std::vector<double>{sim::run_engine(graph, topology).makespan_s, static_cast<double>(graph.size())};
  });
}

void all_to_all(int nodes) {
  const hw::Topology topology = multi_plane(nodes);
  std::vector<int> gpus;
  for (int g = 0; g < topology.gpu_count(); ++g) gpus.push_back(g);
  const auto flows = sim::node_limited_all_to_all(topology, gpus, 16e6);
  char what[96];
  std::snprintf(what, sizeof what, "all-to-all %d GPUs (%d nodes)", topology.gpu_count(), nodes);
  measure(what, sim::busiest_link_time_s(topology, flows), [&] {
    sim::ActivityGraph graph;
    sim::add_flows(graph, flows, "dispatch");
    return std::vector<double>{sim::run_engine(graph, topology).makespan_s, static_cast<double>(graph.size())};
  });
}

}  // namespace

int main() {
  for (int m : {32, 64, 120, 240}) pipeline(16, m, 0);
  for (int m : {32, 64, 120, 240}) pipeline(16, m, 7168.0 * 4096 * 2);  // BF16 hidden states of one sequence
  for (int nodes : {4, 8, 16, 32}) all_to_all(nodes);
  return 0;
}
