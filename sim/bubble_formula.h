// The published closed-form pipeline bubbles (DualPipe README; DeepSeek-V3 tech report table 2; GPipe and
// Megatron-LM for GPipe and interleaved 1F1B). `chunk` is one stage pass; `pp` counts pipeline devices.
#pragma once
#include "sim/chunk_times.h"
#include "sim/schedule_kind.h"

namespace trainsim::sim {

// GPipe and 1F1B (pp-1)(F+B); interleaved (pp-1)(F+B) for a virtual-stage chunk, i.e. (pp-1)(F+B)/v of a
// full stage; ZB1P (pp-1)(F+B-2W); DualPipe (pp/2-1)(F&B+B-3W); DualPipeV the same over its 2 pp stages,
// (pp-1)(F&B+B-3W). Exact when F = B-W = W; estimates otherwise.
double published_bubble_s(ScheduleKind kind, const ChunkTimes& chunk, int pp, int virtual_stages);

}  // namespace trainsim::sim
