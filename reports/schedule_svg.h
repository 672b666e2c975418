// An SVG timeline of an executed pipeline schedule in the style of the DualPipe README figure: one row per
// rank, cells placed at their executed times, coloured by micro-batch, shaded and striped by phase, labelled,
// with a legend and a time axis; past a few thousand ops, each rank's busy bands instead of its ops.
#pragma once
#include <string>

#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/schedule_run.h"

namespace trainsim::reports {

// Past this many ops an SVG drawn op by op is tens of megabytes of boxes narrower than a pixel (pp 64 with 4096
// micro-batches: 211 MB) that no viewer draws and no one can read; it shows each rank's busy bands instead.
constexpr int kScheduleSvgMaxOps = 5000;
// Two ops of a rank fall in one busy band when the idle time between them is under this many pixels.
constexpr double kScheduleSvgBandGapPx = 3;

// Whether schedule_svg draws `schedule` as busy bands (more than kScheduleSvgMaxOps ops).
bool schedule_svg_draws_bands(const sim::PipelineSchedule& schedule);

// Each op is one <g class="op"> carrying data-rank, data-index, data-op (its name), data-start and data-end
// (seconds, shortest round-trip decimal), so tests and scripts can read the picture back. Past
// kScheduleSvgMaxOps ops each rank's ops are merged into busy bands instead, across idle gaps under
// kScheduleSvgBandGapPx: one <g class="band"> each with data-rank, data-first and data-last (op indices),
// data-start and data-end; the title says so.
std::string schedule_svg(const sim::PipelineSchedule& schedule, const sim::ScheduleRun& run);

}  // namespace trainsim::reports
