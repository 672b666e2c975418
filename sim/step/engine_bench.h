// The cases `trainsim bench` times: the default scenario's step at stage and gpu fidelity, and how wall time,
// events per second and peak memory grow with the micro-batches and the simulated GPUs. Speed belongs in a
// benchmark, not in timed tests.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/routed_load.h"

#include "sim/scenario/scenario.h"
#include "sim/step/step_graph.h"

namespace trainsim::sim {

struct BenchCase {
  std::string what;  // "stage, 64 micro-batches"
  Scenario scenario;
  int global_batch = 0;
  Fidelity fidelity = Fidelity::kStage;
  // A skewed routed load (synthetic_routed_load.h, swing 0.3 over 4 micro-batches listed) instead of balanced
  // routing: each GPU's experts re-priced at its rows, per-peer all-to-all flows, and a second, balanced run
  // for the straggler's share (step_simulation.h).
  bool skewed_routing = false;
  // The scenario's own router (sim/cost's scenario_routing, handed down by the caller: sim/step sits below it),
  // run inside the timed child as `trainsim run` runs it: its wall is the router's plus both simulations.
  std::function<std::shared_ptr<const models::RoutedStepLoad>(const Scenario&)> route = nullptr;
};

// quick: stage fidelity only (seconds instead of minutes). With `route`, an MoE scenario also gets the default
// step routed by it (routing: synthetic where the scenario has balanced routing) at stage fidelity and, unless
// quick, at gpu fidelity.
std::vector<BenchCase> bench_cases(const Scenario& base, bool quick,
                                   const std::function<std::shared_ptr<const models::RoutedStepLoad>(const Scenario&)>& route = {});

struct BenchMeasurement {
  int computing_gpus = 0, simulated_gpus = 0, activities = 0;
  double wall_s = 0;             // pricing, building the graph and simulating
  double peak_memory_bytes = 0;  // of the processes that did it
  double step_time_s = 0;        // the simulated step
  double straggler_s = 0;        // with skewed routing: StepEstimate::straggler_s
  double reference_cpu_s = 0;    // of wall_s, with skewed routing: StepSimulation::reference_cpu_s
};

// Prices and simulates one case in a child process of its own, timed from the parent.
BenchMeasurement measure(const BenchCase& bench_case);

}  // namespace trainsim::sim
