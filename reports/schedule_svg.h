// An SVG timeline of an executed pipeline schedule in the style of the DualPipe README figure: one row per
// rank, cells placed at their executed times, coloured by micro-batch, shaded and striped by phase, labelled,
// with a legend and a time axis.
#pragma once
#include <string>

#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/schedule_run.h"

namespace trainsim::reports {

// Each op is one <g class="op"> carrying data-rank, data-index, data-op (its name), data-start and data-end
// (seconds, shortest round-trip decimal), so tests and scripts can read the picture back.
std::string schedule_svg(const sim::PipelineSchedule& schedule, const sim::ScheduleRun& run);

}  // namespace trainsim::reports
