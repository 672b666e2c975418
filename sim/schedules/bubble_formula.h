// The published closed-form pipeline bubbles (DualPipe README table; DeepSeek-V3 tech report table 2; GPipe
// and interleaved 1F1B from Narayanan et al., SC 2021). F, B, W, F&B are ChunkTimes of one model stage.
#pragma once
#include "sim/schedules/chunk_times.h"
#include "sim/schedules/schedule_kind.h"

namespace trainsim::sim {

// GPipe, 1F1B (pp-1)(F+B); interleaved (pp-1)(F+B)/v; ZB1P (pp-1)(F+B-2W); DualPipe and DualPipeV
// (pp/2-1)(F&B+B-3W). pp counts stages (DualPipeV runs them on pp/2 devices); virtual_stages is used by
// interleaved only.
double published_bubble_s(ScheduleKind kind, const ChunkTimes& times, int pp, int virtual_stages);

// Whether the formula equals the bubble of the ideal executor (schedule_run.h: the largest per-rank idle time;
// no P2P latency, all stages alike). GPipe, 1F1B and interleaved: always. ZB1P: when W <= F and W <= B-W (the
// deferred W's then fit the gaps; tests/sim/bubble_formula_test.cc). DualPipe and DualPipeV: when
// F = B-W = W, for any F&B (the README's condition); otherwise the formula is only an estimate.
bool published_bubble_is_exact(ScheduleKind kind, const ChunkTimes& times);

}  // namespace trainsim::sim
