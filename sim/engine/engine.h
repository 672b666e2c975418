// The discrete-event engine: runs an ActivityGraph on the SimGrid platform of a topology slice and returns
// its Timeline. SimGrid stays inside engine.cc; docs/simgrid.md has the settings and pitfalls.
#pragma once
#include <functional>
#include <vector>

#include "hardware/topology.h"
#include "sim/engine/activity_graph.h"

namespace trainsim::sim {

struct EngineOptions {
  // Share of a GPU's compute speed left while a communication kernel (Activity::comm_kernel) runs on it:
  // hw::ClusterSpec::compute_sm_fraction(), 112/132 for DeepSeek-V3's 20 communication SMs on an H800.
  double compute_share_during_comm = 1.0;
  // Called with the share of activities completed, at every whole percent (a long gpu-fidelity run).
  std::function<void(double)> progress;
  // The caller reads only the makespan: the timeline comes back without its events (a step's balanced
  // reference at gpu fidelity would otherwise send 7.8M events, 300 MB, from its child to be thrown away).
  bool makespan_only = false;
};

// NOTE: SimGrid allows one simulation per process (it keeps its clock across Engines), so each call runs its
// simulation in a forked child and returns the child's timeline: calls may follow one another freely.
// Network model: CM02 without cross-traffic and with an unbounded TCP window, so that a lone flow takes
// bytes / bandwidth + latency exactly and concurrent flows share links max-min.
// Compute on a GPU is one stream: its compute activities run one at a time, in the order they were added.
// Throws trainsim::Error if an activity could never run (a cycle in the graph, or a compute activity that
// waits for one added after it on its GPU). SimGrid's own log never reaches the terminal; a SimGrid exception,
// xbt_die or crash is one internal error ("internal check failed ...") naming what SimGrid logged last.
Timeline run_engine(const ActivityGraph& graph, const hw::Topology& topology, const EngineOptions& options = {});

// One simulation of run_engines: its graph and network, which must outlive the call. Instead of a graph, a
// job may give the function that builds it: it then runs in the job's child, beside the other simulations
// (a step's balanced reference is built while the step itself simulates), and a graph that could never run
// comes back as the child's error message rather than as trainsim::Error.
struct EngineJob {
  const ActivityGraph* graph = nullptr;
  std::function<ActivityGraph()> build_graph;
  const hw::Topology* topology = nullptr;
  EngineOptions options;
};

// Independent simulations as run_engine runs them, each in a child of its own, at most `parallel` at a time
// (a step and its reference on two cores); their timelines in order. The first that fails throws as
// run_engine would. `cpu_s`, when given, receives each job's CPU seconds (building its graph where the job
// builds it, and simulating).
std::vector<Timeline> run_engines(const std::vector<EngineJob>& jobs, int parallel,
                                  std::vector<double>* cpu_s = nullptr);

}  // namespace trainsim::sim
