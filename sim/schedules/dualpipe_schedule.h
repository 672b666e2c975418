// DualPipe (DeepSeek-V3 tech report section 3.2.1) and DualPipeV (Sea AI Lab's "cut-in-half" V), generated
// by the eight-step per-rank procedure of deepseek-ai/DualPipe (dualpipe.py, dualpipev.py).
#pragma once
#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

// pp ranks, two directions of microbatches/2 each. Expects pp even, microbatches even and >= 2*pp.
PipelineSchedule dualpipe_schedule(int pp, int microbatches);
// pp stages on pp/2 ranks. Expects pp even and microbatches >= pp.
PipelineSchedule dualpipev_schedule(int pp, int microbatches);

}  // namespace trainsim::sim
