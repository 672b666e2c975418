// Interleaved 1F1B with v virtual stages per rank (Narayanan et al., SC 2021; Megatron-LM's
// forward_backward_pipelining_with_interleaving): rank r holds virtual stages r, r+pp, ..., r+(v-1)pp.
#pragma once
#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

// Expects virtual_stages >= 2 and microbatches a positive multiple of pp (Megatron's requirement).
// `paired`: Megatron-Core's EP all-to-all overlap (--overlap-moe-expert-parallel-comm): one more warm-up forward on
// every rank, so that each steady-state forward and backward belong to independent micro-batches, and each such
// pair runs as one F&B op, one micro-batch's all-to-all under the other's compute (schedule_op.h).
PipelineSchedule interleaved_schedule(int pp, int microbatches, int virtual_stages, bool paired = false);

}  // namespace trainsim::sim
