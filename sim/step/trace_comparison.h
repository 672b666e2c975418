// TraceComparison: a profiled DualPipe F&B chunk pair set beside the same pair as trainsim prices it, op group
// by op group and compute kind by compute kind: the check of the op-time model against measured kernels
// (issue 13; DeepSeek's trace: hardware/calibration/traces/). The trace's kernel time per block is its
// kernels summed; trainsim's is the scenario's MoE layer ops, priced at the SMs its schedule leaves compute,
// times the layers of a chunk. The EP ops and the wall come from the pair run on the event engine
// (pair_simulation.h): an EP op as a profiler sees it, from its kernel's start to its end.
// NOTE: runs SimGrid in a child (engine.h).
#pragma once
#include <string>
#include <vector>

#include "hardware/trace_summary.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::sim {

struct ComparedTime {
  std::string name;          // "attention block F", "expert_gemm B+W"
  double trace_s = 0;        // kernel time summed in the trace
  double trainsim_s = 0;     // as the scenario prices it
  std::string note;          // what the two sides count differently, where they do
  double error() const { return trace_s > 0 ? trainsim_s / trace_s - 1 : 0; }
};

struct TraceComparison {
  std::string trace_source, trace_device, scenario_source;
  std::string op_times;            // what priced trainsim's side ("datasheet roofline at ...")
  int layers_per_chunk = 0;
  std::vector<ComparedTime> groups;  // the DualPipe blocks of the pair: attention and MoE, F and B+W, EP
  std::vector<ComparedTime> kinds;   // compute kinds, F and B+W
  ComparedTime pair_wall;            // the trace's wall time against the simulated pair's
};

// `layers_per_chunk`: MoE layers in each chunk of the profiled pair (DeepSeek's profile: 4).
TraceComparison compare_with_trace(const PricedScenario& priced, const hw::TraceSummary& trace, int layers_per_chunk);

}  // namespace trainsim::sim
