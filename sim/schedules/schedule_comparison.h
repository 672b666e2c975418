// ScheduleComparison: every schedule kind run on the same pp, micro-batches and chunk times, beside its
// published bubble formula; what `trainsim schedule` tabulates. Kinds that cannot serve the request say why.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sim/schedules/chunk_times.h"
#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/schedule_request.h"
#include "sim/schedules/schedule_run.h"

namespace trainsim::sim {

struct ScheduleComparison {
  ScheduleRequest request;
  std::string unavailable;                   // why the kind cannot serve the request; empty when it ran
  std::optional<PipelineSchedule> schedule;  // set when it ran
  ScheduleRun run;
  int devices = 0;
  double published_bubble_s = 0;  // bubble_formula.h at the mean chunk times
  bool published_is_exact = false;  // the formula equals run.bubble_s (exact conditions, uniform stages, no latency)
};

// The chunk times of one stage averaged over stages: what the closed-form formulas take.
ChunkTimes mean_chunk_times(const std::vector<ChunkTimes>& stage_times);
// Every stage's chunk times alike: what the published formulas' exact cases assume.
bool uniform_chunk_times(const std::vector<ChunkTimes>& stage_times);

// One comparison per kind in kAllScheduleKinds order. stage_times: one entry or pp (schedule_run.h).
std::vector<ScheduleComparison> compare_schedules(int pp, int microbatches, int virtual_stages,
                                                  const std::vector<ChunkTimes>& stage_times, double p2p_latency_s);

}  // namespace trainsim::sim
