// The bench cases and their measurement (see engine_bench.h).
#include "sim/step/engine_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <fmt/format.h>

#include "core/child_process.h"
#include "sim/step/step_simulation.h"
#include "sim/step/synthetic_routed_load.h"

namespace trainsim::sim {
namespace {

// The default scenario with pp pipeline devices and EP groups of ep GPUs over the same dp x ep layout
// rules (a resized layout need not fit in memory to be timed).
Scenario resized(const Scenario& base, int pp, int ep, int nodes) {
  Scenario s = base;
  s.layout.pp = pp;
  s.layout.ep = ep;
  s.cluster.nodes = nodes;
  s.layout.dp = s.cluster.gpu_count() / (pp * s.layout.tp);
  s.layout.layers_per_stage.clear();
  return s;
}

}  // namespace

std::vector<BenchCase> bench_cases(const Scenario& base, bool quick,
                                   const std::function<std::shared_ptr<const models::RoutedStepLoad>(const Scenario&)>& route) {
  const int dp = base.layout.dp;
  const bool routed = route && base.job.model.is_moe();
  Scenario synthetic = base;
  if (synthetic.routing.source == models::RoutingSource::kBalanced) synthetic.routing.source = models::RoutingSource::kSynthetic;
  std::vector<BenchCase> cases;
  cases.push_back({"stage, the default step", base, base.job.global_batch_sequences, Fidelity::kStage});
  if (base.job.model.is_moe())
    cases.push_back({"stage, the default step, skewed routing", base, base.job.global_batch_sequences, Fidelity::kStage, true});
  if (routed)
    cases.push_back({"stage, the default step, routed", synthetic, base.job.global_batch_sequences, Fidelity::kStage, false, route});
  for (int m : {32, 64, 120, 240})
    cases.push_back({fmt::format("stage, {} micro-batches", m), base, m * dp, Fidelity::kStage});
  for (int pp : {4, 8, 16})
    cases.push_back({fmt::format("stage, PP {} ({} GPUs)", pp, pp * dp), resized(base, pp, 64, pp * dp / 8), 32 * dp,
                     Fidelity::kStage});
  if (quick) return cases;
  cases.push_back({"gpu, the default step", base, base.job.global_batch_sequences, Fidelity::kGpu});
  if (base.job.model.is_moe())
    cases.push_back({"gpu, the default step, skewed routing", base, base.job.global_batch_sequences, Fidelity::kGpu, true});
  if (routed)
    cases.push_back({"gpu, the default step, routed", synthetic, base.job.global_batch_sequences, Fidelity::kGpu, false, route});
  for (int m : {32, 64, 120})
    cases.push_back({fmt::format("gpu, {} micro-batches", m), base, m * dp, Fidelity::kGpu});
  for (int ep : {16, 32, 64})
    cases.push_back({fmt::format("gpu, EP {} ({} GPUs)", ep, 16 * ep), resized(base, 16, ep, 256), 32 * dp,
                     Fidelity::kGpu});
  return cases;
}

BenchMeasurement measure(const BenchCase& c) {
  double child_peak_bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> r = run_in_child(
      [&] {
        StepGraphOptions options;
        options.fidelity = c.fidelity;
        if (c.skewed_routing)
          options.routed_load = std::make_shared<const models::RoutedStepLoad>(synthetic_routed_load(c.scenario, 0.3, 4));
        if (c.route) options.routed_load = c.route(c.scenario);
        const StepSimulation step = simulate_step(PricedScenario(c.scenario), c.global_batch, options);
        // The engine simulates in a child of its own (engine.h): its peak is among this process's children.
        rusage children{};
        getrusage(RUSAGE_CHILDREN, &children);
        return std::vector<double>{static_cast<double>(step.computing_gpus), static_cast<double>(step.simulated_gpus),
                                   static_cast<double>(step.activities), step.step.step_time_s, step.step.straggler_s,
                                   static_cast<double>(children.ru_maxrss) * 1024.0,  // Linux: KiB
                                   step.reference_cpu_s};
      },
      &child_peak_bytes);
  BenchMeasurement m;
  m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.computing_gpus = static_cast<int>(r[0]);
  m.simulated_gpus = static_cast<int>(r[1]);
  m.activities = static_cast<int>(r[2]);
  m.step_time_s = r[3];
  m.straggler_s = r[4];
  m.peak_memory_bytes = std::max(child_peak_bytes, r[5]);
  m.reference_cpu_s = r[6];
  return m;
}

}  // namespace trainsim::sim
