// Interleaved 1F1B with v virtual stages per rank (Narayanan et al., SC 2021; Megatron-LM's
// forward_backward_pipelining_with_interleaving): rank r holds virtual stages r, r+pp, ..., r+(v-1)pp.
#pragma once
#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

// Expects virtual_stages >= 2 and microbatches a positive multiple of pp (Megatron's requirement).
PipelineSchedule interleaved_schedule(int pp, int microbatches, int virtual_stages);

}  // namespace trainsim::sim
