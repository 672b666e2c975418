// The activity graph of a pipeline schedule at chunk level: per rank its ops in order on its GPU, with the
// dependencies of stage_task.h; a dependency between ranks becomes a P2P flow of the activations (forward)
// or their gradients (backward), which are the same size.
#pragma once
#include <vector>

#include "sim/activity_graph.h"
#include "sim/chunk_times.h"
#include "sim/pipeline_schedule.h"

namespace trainsim::sim {

struct PipelinePlacement {
  std::vector<int> rank_gpus;  // the GPU of each rank (PipelineSchedule::ranks() entries)
  double activation_bytes = 0; // one micro-batch's hidden states between two stages
};

// Ops are named in the schedule's notation ("F3a", "F7a&B3b"); flows "P2P F3a>r2" (the task they carry and
// the receiving rank). Chunk durations follow the ideal executor's clock (op_duration_s in schedule_run.h).
ActivityGraph pipeline_graph(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                             const PipelinePlacement& placement);

}  // namespace trainsim::sim
