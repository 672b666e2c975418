// Test fixture: the chunk-level expansion of a pipeline schedule, one compute activity per schedule op lasting
// what the ideal executor gives it. The engine must reproduce the executor with it when communication is
// free (pipeline_graph_test.cc).
#pragma once
#include <vector>

#include "sim/schedules/chunk_times.h"
#include "sim/step/pipeline_graph.h"

namespace trainsim::sim {

// One compute activity per op, named in the schedule's notation ("F3a", "F7a&B3b"), lasting what the ideal
// executor's clock gives it (op_duration_s in schedule_run.h).
class ChunkExpansion : public OpExpansion {
 public:
  ChunkExpansion(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                 std::vector<std::vector<int>> rank_gpus);
  ExpandedOp expand(ActivityGraph& graph, int rank, const ScheduleOp& op, const std::vector<StageTask>& tasks) override;

 private:
  const PipelineSchedule& schedule_;
  const std::vector<ChunkTimes>& stage_times_;
  std::vector<std::vector<int>> rank_gpus_;
};

// Chunk level, one GPU per rank.
ActivityGraph pipeline_graph(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                             const PipelinePlacement& placement);

}  // namespace trainsim::sim
