// ScheduleRun: the ideal, exact execution of a pipeline schedule. Each rank runs its ops in order; an op
// starts when its rank is free and every task it needs has finished (plus the P2P latency when that task ran
// on another rank). No communication time beyond that latency, no contention: the reference the event
// engine is tested against.
#pragma once
#include <vector>

#include "sim/schedules/chunk_times.h"
#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/schedule_dependencies.h"

namespace trainsim::sim {

struct OpTiming {
  double start_s = 0;
  double end_s = 0;
};

// Bubble convention. A rank's idle time is the makespan minus its busy time (idle before its first op,
// between ops and after its last op all count). The bubble is the largest idle time of any rank. This is the
// quantity of the published formulas: for 1F1B, ZB1P, DualPipe and DualPipeV with F = B-W = W every rank is
// equally busy, makespan = busy + bubble and the formulas hold exactly (tests/sim/schedule_run_test.cc).
// bubble_ratio = bubble / makespan, the share of the step the most idle rank waits.
struct ScheduleRun {
  double makespan_s = 0;
  std::vector<double> busy_s;               // per rank
  std::vector<double> idle_s;               // per rank: makespan_s - busy_s
  std::vector<double> peak_activations;     // per rank, see below
  std::vector<std::vector<OpTiming>> timings;  // per rank, parallel to PipelineSchedule::ops(rank)
  double bubble_s = 0;
  double bubble_ratio = 0;
  int parameter_copies = 1;                 // stages' parameters held per device

  // Largest activations in flight on any rank. Activations count in chunks of one model stage (1/pp of the
  // layers) for one micro-batch: a forward holds its chunk until the backward for inputs (B or Bi) ends;
  // within an op the forward adds before the backward frees. Interleaved virtual chunks count 1/v.
  double max_peak_activations() const;
  double mean_idle_s() const;
};

// stage_times holds one ChunkTimes for all stages or one per model stage (pp entries; DualPipe's direction b
// runs stage s on rank pp-1-s, so a heavy last stage shows on both end ranks). An F&B chunk of stages s and t
// takes (overlapped(s) + overlapped(t)) / 2. Validates the schedule first; throws trainsim::Error if invalid.
ScheduleRun run_schedule(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                         double p2p_latency_s = 0);
// The same on dependencies resolved beforehand (`dependencies` of `schedule`: resolved_schedule.h keeps both).
ScheduleRun run_schedule(const PipelineSchedule& schedule, const ScheduleDependencies& dependencies,
                         const std::vector<ChunkTimes>& stage_times, double p2p_latency_s = 0);

// The time `op` takes on `rank` under the rules above (the executor's clock, shared with the event engine).
double op_duration_s(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times, int rank,
                     const ScheduleOp& op);

}  // namespace trainsim::sim
