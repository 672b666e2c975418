// The step tests' reduced DeepSeek-V3 and a simulated step's key figures, computed in a forked child (one SimGrid
// run per process, core/child_process.h).
#pragma once
#include <memory>
#include <vector>

#include "core/child_process.h"
#include "sim/step/step_simulation.h"
#include "tests/sim/step/deepseek_scenario.h"

namespace trainsim::sim {

// {step, compute, bubble, exposed communication, optimizer, computing GPUs}
inline std::vector<double> simulate(const Scenario& s, int global_batch, Fidelity fidelity,
                                    std::shared_ptr<const models::RoutedStepLoad> load = nullptr) {
  return run_in_child([&] {
    StepGraphOptions options;
    options.fidelity = fidelity;
    options.routed_load = load;
    const StepSimulation sim = simulate_step(PricedScenario(s), global_batch, options);
    const StepEstimate& e = sim.step;
    return std::vector<double>{e.step_time_s, e.compute_s, e.bubble_s, e.exposed_comm_s, e.optimizer_s,
                               static_cast<double>(sim.computing_gpus)};
  });
}

// DeepSeek-V3 on 256 H800 (32 nodes): PP 4 DualPipe, EP 64 over 8 nodes as published, DP 64, the fewest
// micro-batches DualPipe takes (8): every GPU of a pipeline replica at gpu fidelity is 256 GPUs.
inline Scenario reduced() {
  Scenario s = deepseek();
  s.cluster.nodes = 32;
  s.layout.pp = 4;
  s.layout.dp = 64;
  return s;
}

}  // namespace trainsim::sim
