// ResolvedSchedule: a schedule made for a request, validated, with its dependencies resolved (schedule_
// dependencies.h), and kept: pricing thousands of layouts (`trainsim plan`) or a run's ramp batches builds
// each (kind, pp, micro-batches, virtual stages) once and then only times it.
#pragma once
#include <memory>

#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/schedule_dependencies.h"
#include "sim/schedules/schedule_request.h"

namespace trainsim::sim {

struct ResolvedSchedule {
  explicit ResolvedSchedule(PipelineSchedule made) : schedule(std::move(made)), dependencies(schedule) {}
  ResolvedSchedule(const ResolvedSchedule&) = delete;  // dependencies describe `schedule`: kept together
  ResolvedSchedule& operator=(const ResolvedSchedule&) = delete;

  const PipelineSchedule schedule;
  const ScheduleDependencies dependencies;
};

// make_schedule(request) resolved, from a process-wide store of the most recent requests (thread-safe).
// Throws as make_schedule does; a refused request is not stored.
std::shared_ptr<const ResolvedSchedule> resolved_schedule(const ScheduleRequest& request);

}  // namespace trainsim::sim
