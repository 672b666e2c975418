// The one-stage-per-rank pipeline schedules: GPipe (Huang et al. 2019), 1F1B (PipeDream-Flush, Narayanan et
// al. 2021) and ZB1P, the ZB-H1 schedule of "Zero Bubble Pipeline Parallelism" (Qi et al., ICLR 2024).
#pragma once
#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

// All forwards, then all backwards, in micro-batch order.
PipelineSchedule gpipe_schedule(int pp, int microbatches);
// Rank r runs pp-1-r warm-up forwards, then alternates F and B, then drains the backwards. `paired`: one more
// warm-up forward, then each steady F and B as one F&B op (as interleaved_schedule's; Megatron-Core pairs them so
// without a pipeline, pp 1).
PipelineSchedule one_f_one_b_schedule(int pp, int microbatches, bool paired = false);
// 1F1B with B split into Bi and W; rank r defers its first r weight backwards to the end of the step, which
// fills the cool-down and brings the bubble to (pp-1)(F+B-2W). Expects microbatches >= pp.
PipelineSchedule zb1p_schedule(int pp, int microbatches);

}  // namespace trainsim::sim
