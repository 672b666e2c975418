// ScheduleRequest: which pipeline schedule to build for how many stages and micro-batches, the rules each
// schedule puts on them (from the papers and reference code of each), and the generator entry point.
#pragma once
#include <string>

#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

struct ScheduleRequest {
  ScheduleKind kind = ScheduleKind::kOneFOneB;
  int pp = 4;              // pipeline stages of the model (DualPipeV runs them on pp/2 devices)
  int microbatches = 8;    // per step, all directions together
  int virtual_stages = 2;  // interleaved only
  // 1f1b and interleaved: steady-state forwards and backwards paired into F&B ops after one more warm-up forward
  // (Megatron-Core's --overlap-moe-expert-parallel-comm); DualPipe and DualPipeV pair by their own design.
  bool paired = false;
};

// Throws trainsim::ConfigError naming `origin` (a file or "command line") and the key path
// ("schedule.microbatches") when the schedule cannot serve the request:
//   every kind     1 <= pp <= 1024, 1 <= microbatches <= 65536
//   zb1p           microbatches >= pp
//   interleaved    2 <= virtual_stages <= 26, microbatches a multiple of pp
//   dualpipe       pp even, microbatches even and >= 2*pp
//   dualpipev      pp even, microbatches >= pp
//   paired         1f1b or interleaved only
void check_schedule_request(const ScheduleRequest& request, const std::string& origin = {});

// Checks the request, generates the schedule and validates it (schedule_validator.h).
PipelineSchedule make_schedule(const ScheduleRequest& request, const std::string& origin = {});

}  // namespace trainsim::sim
