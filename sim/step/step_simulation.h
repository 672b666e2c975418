// A training step simulated on the event engine (`--fidelity stage` or `gpu`): the step graph run on the
// scenario's topology, its timeline and the step's figures read off it (timeline_metrics.h).
#pragma once
#include <string>
#include <vector>

#include "hardware/topology.h"
#include "sim/step/step_estimate.h"
#include "sim/step/step_graph.h"
#include "sim/engine/timeline.h"

namespace trainsim::sim {

struct StepSimulation {
  StepEstimate step;  // chunk, pipeline figures and bounds as the closed form prices them: the engine has no
                      // single chunk time
  Timeline timeline;
  int activities = 0;
  int computing_gpus = 0;  // GPUs that run the schedule: pipeline devices x simulated GPUs per device
  int simulated_gpus = 0;  // hosts of the platform slice: those and the peers their flows reach
  // With a routed load: the CPU seconds that building and simulating the balanced reference took (StepEstimate::
  // straggler_s is read against it), beside the step on a second core where there is one.
  double reference_cpu_s = 0;
  std::vector<std::string> notes;
};

// The scenario's network, without the parts cluster.network_failures fails (hardware/topology_failures.h); a
// cluster no topology builder can build is a ConfigError located in the scenario file (the builders in
// hardware/ know key paths, not files).
hw::Topology build_scenario_topology(const Scenario& scenario);

// NOTE: runs SimGrid, one simulation per process (engine.h). With a routed load it also runs the step balanced,
// for StepEstimate::straggler_s, at once on a second core where there is one, unless measure_straggler is false
// (straggler_s stays 0): callers that read only the step time (a run's ramp batches and phases) save it.
StepSimulation simulate_step(const PricedScenario& priced, int global_batch_sequences, const StepGraphOptions& options,
                             bool measure_straggler = true);

}  // namespace trainsim::sim
