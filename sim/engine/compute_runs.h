// ComputeRuns: the compute ops of a GPU's stream that the engine runs as one SimGrid execution, and where each
// op ends inside it.
//
// Why: at gpu fidelity every compute op costs SimGrid an execution, an actor wake-up and two context switches
// (engine.cc), and half of a step's compute ops are plain links of a chain: an op that waits for nothing but
// the op before it on its GPU, after an op that nothing but it waits for (574,464 of 1,139,200 compute ops in
// the default step's first 32 micro-batches routed at gpu fidelity, 2026-12-04). Such an op starts the instant
// the one before it ends, so the pair behaves as one execution of their summed work: SimGrid moves the same
// work through the same speed changes either way. Only the ends inside the run are not SimGrid's: they are
// read back from the GPU's speed over the run (op_ends_in_run_s), exactly as SimGrid integrates it.
#pragma once
#include <vector>

#include "sim/engine/activity_graph.h"

namespace trainsim::sim {

struct ComputeRuns {
  // By GPU index: the first op of each run, in stream order (a GPU's compute ops in the order added).
  std::vector<std::vector<int>> heads_by_gpu;
  // By activity: the next op of its run; -1 for a run's last op and for flows.
  std::vector<int> next_in_run;
  // By activity: true for a compute op that is not the first of its run (it starts when the op before it ends).
  std::vector<bool> inside_run;
};

// An op joins the run of the op before it on its GPU when its only predecessor (if any) is that op and that
// op's only successor (if any) is it. gpu_count bounds the GPU indexes of the graph.
ComputeRuns compute_runs(const ActivityGraph& graph, int gpu_count);

// The GPU's speed from `at_s` on, relative to its full speed (1: no communication kernel holds SMs).
struct SpeedChange {
  double at_s = 0;
  double relative_speed = 1;
};

// The ends of ops that run back to back from start_s, each needing durations_s[i] at full speed, on a GPU whose
// relative speed is start_speed and then changes as `changes` say (ascending times; those before start_s are
// ignored, one at start_s applies from the start). Work done between two changes is time x speed, as SimGrid's
// CPU model does it for a lone execution.
std::vector<double> op_ends_in_run_s(const std::vector<double>& durations_s, double start_s, double start_speed,
                                     const std::vector<SpeedChange>& changes);

}  // namespace trainsim::sim
