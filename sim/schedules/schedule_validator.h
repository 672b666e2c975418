// The validator every generated schedule passes: each (micro-batch, stage) gets its forward, its backward
// for inputs and its weight backward exactly once, each after what it depends on, and executing the
// per-rank orders cannot deadlock.
#pragma once
#include <optional>
#include <string>

#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

// The first violation, worded precisely ("rank 2 op 7 (W3a): runs before Bi3a at stage 2 (rank 2), which
// this rank runs later at op 9"), or nothing when the schedule is valid. Checks in order: ops in range,
// no task twice, no task missing, same-rank dependency order, deadlock-free execution.
std::optional<std::string> first_violation(const PipelineSchedule& schedule);

// Throws trainsim::Error with the first violation.
void validate_schedule(const PipelineSchedule& schedule);

}  // namespace trainsim::sim
