// A Chrome trace (the JSON Trace Event Format; opens in Perfetto and chrome://tracing) of an executed
// pipeline schedule: one process, one track (thread) per rank, one complete event per op.
#pragma once
#include <string>

#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/schedule_run.h"

namespace trainsim::reports {

// {"displayTimeUnit": "ms", "traceEvents": [...]}: thread_name metadata "rank r" per rank, then per op an
// "X" event named in the op notation (F7a&B3b), cat = its phase, ts and dur in microseconds from whole nanoseconds (trace_tracks.h), and args
// {rank, index, microbatch, lane, stage, start_s, end_s}. Deterministic, rank by rank in op order.
std::string schedule_trace_json(const sim::PipelineSchedule& schedule, const sim::ScheduleRun& run);

}  // namespace trainsim::reports
