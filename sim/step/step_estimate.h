// The analytic step estimate (`--fidelity analytic`): the schedule executed on the scenario's priced chunk
// times (the ideal executor: exact for the schedule, no contention), communication exposed or hidden as the
// schedule overlaps it, ZeRO collectives and the optimizer step at the end, and memory per GPU (memory_estimate.h).
// Beside it the schedule's published bubble formula, labelled as such.
#pragma once
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/scenario/stage_plan.h"
#include "sim/schedules/chunk_times.h"
#include "sim/schedules/schedule_request.h"
#include "sim/step/memory_estimate.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::sim {

// What a printed bubble measures. Each figure carries one of these beside it (docs/run-json.md says when
// each applies).
inline constexpr const char* kBubbleExecuted =
    "executed: idle time of the critical device when the ideal executor runs the schedule on the priced chunk times";
inline constexpr const char* kBubbleFormula =
    "formula: the schedule's published closed form at the critical device's chunk times";
inline constexpr const char* kBubbleSimulated =
    "simulated: time the critical GPU spends with neither compute nor a flow of its own in flight";
inline constexpr const char* kBubbleLargestIdle =
    "executed: the largest idle time of any device under the ideal executor (the published formulas' convention)";

// The schedule on the priced chunks: the same figures at every fidelity, and what `trainsim schedule
// --scenario` shows for the scenario's schedule.
struct PipelineFigures {
  std::vector<ChunkTimes> stage_chunks;  // PricedScenario::stage_chunks
  bool executed = false;                 // false where the schedule cannot take the micro-batches (a ramp batch)
  double executed_makespan_s = 0;
  double executed_bubble_s = 0;          // kBubbleLargestIdle, ScheduleRun::bubble_s
  double formula_bubble_s = 0;           // kBubbleFormula
  bool formula_is_exact = false;         // the formula's exact case holds for these chunk times
};

// Communication's bound resource: which term of bytes / bandwidth + latency dominates its time.
enum class CommBound { kNone, kNic, kNvlink, kLatency };
std::string_view comm_bound_name(CommBound bound);  // "none", "nic", "nvlink", "latency"

struct StepEstimate {
  int global_batch_sequences = 0;
  int microbatches = 0;
  double step_time_s = 0;
  double compute_s = 0;         // busy compute on the critical pipeline device
  double bubble_s = 0;
  std::string bubble_definition;  // kBubbleExecuted, kBubbleFormula or kBubbleSimulated
  double exposed_comm_s = 0;    // sum of the kinds below
  std::map<std::string, double> exposed_comm_by_kind_s;  // "ep", "tp", "pp", "dp"
  std::map<std::string, CommBound> comm_bound_by_kind;   // what bounds each kind's transfers
  double hidden_comm_s = 0;     // EP communication overlapped under compute (DualPipe)
  double optimizer_s = 0;
  // The straggler's share of the step: how much longer the simulated step is with the routed load
  // (StepGraphOptions::routed_load) than the same step with every GPU at the balanced expert load, the waits at
  // each all-to-all for the slowest GPU's experts and received bytes. 0 without a routed load and in closed form.
  double straggler_s = 0;
  std::map<std::string, double> compute_by_kind_s;  // per step on the critical device
  ChunkTimes chunk;             // one stage pass on the critical device
  PipelineFigures pipeline;
  int critical_device = 0;
  double model_flops_per_step = 0;
  double mfu = 0;               // model FLOPs / (step time x GPUs x BF16 dense peak)
  double tokens_per_s_per_gpu = 0;
};

struct Estimate {
  StagePlan plan;
  StepEstimate step;    // at the scenario's full global batch
  MemoryEstimate memory;
  std::vector<std::string> notes;  // approximations that apply to this scenario
};

// Throws ConfigError when the layout does not fit in GPU memory ("needs 93.4 GiB per GPU of 80 GiB: ..."),
// unless `allow_oom` (trainsim run --allow-oom): then it is priced all the same, with the excess in a note.
Estimate estimate_step(const PricedScenario& priced, bool allow_oom = false);
// Prices the scenario and estimates it (one-off callers: tests, validate-scenario).
Estimate estimate_step(const Scenario& scenario);
// Sets model_flops_per_step, mfu and tokens_per_s_per_gpu from the step time and batch.
void set_throughput(const Scenario& scenario, StepEstimate& step);
// The step at another global batch (a point of the batch ramp), same layout and pricing.
StepEstimate estimate_step_at_batch(const PricedScenario& priced, int global_batch_sequences);

}  // namespace trainsim::sim
