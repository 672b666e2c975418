// The analytic step estimate (`--fidelity analytic`): chunk times per stage from the op catalog and the
// op-time model, the bubble from the schedule's published formula, communication exposed or hidden as the
// schedule overlaps it, ZeRO collectives and the optimizer step at the end, and memory per GPU.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "models/memory_model.h"
#include "sim/schedules/chunk_times.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/stage_plan.h"

namespace trainsim::sim {

struct StepEstimate {
  int global_batch_sequences = 0;
  int microbatches = 0;
  double step_time_s = 0;
  double compute_s = 0;         // busy compute on the critical pipeline device
  double bubble_s = 0;
  double exposed_comm_s = 0;    // sum of the kinds below
  std::map<std::string, double> exposed_comm_by_kind_s;  // "ep", "tp", "pp", "dp"
  double hidden_comm_s = 0;     // EP communication overlapped under compute (DualPipe)
  double optimizer_s = 0;
  std::map<std::string, double> compute_by_kind_s;  // per step on the critical device
  ChunkTimes chunk;             // one stage pass on the critical device
  int critical_device = 0;
  double model_flops_per_step = 0;
  double mfu = 0;               // model FLOPs / (step time x GPUs x BF16 dense peak)
  double tokens_per_s_per_gpu = 0;
};

struct MemoryEstimate {
  int device = 0;  // the pipeline device with the largest footprint
  models::MemoryBreakdown breakdown;
  double capacity_bytes = 0;
};

struct Estimate {
  StagePlan plan;
  StepEstimate step;    // at the scenario's full global batch
  MemoryEstimate memory;
  std::vector<std::string> notes;  // approximations that apply to this scenario
};

// Throws ConfigError when the layout does not fit in GPU memory ("needs 93.4 GiB per GPU of 80 GiB: ...").
Estimate estimate_step(const Scenario& scenario);
// One ChunkTimes per stage with the model cut into the scenario's pp stages, priced as the estimate prices
// them (what `trainsim schedule --scenario` executes every schedule with).
std::vector<ChunkTimes> stage_chunk_times(const Scenario& scenario);
// Sets model_flops_per_step, mfu and tokens_per_s_per_gpu from the step time and batch.
void set_throughput(const Scenario& scenario, StepEstimate& step);
// The step at another global batch (a point of the batch ramp), same layout.
StepEstimate estimate_step_at_batch(const Scenario& scenario, const StagePlan& plan, int global_batch_sequences);

}  // namespace trainsim::sim
