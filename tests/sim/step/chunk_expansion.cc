// The chunk-level expansion (see chunk_expansion.h).
#include "tests/sim/step/chunk_expansion.h"

#include "sim/schedules/schedule_run.h"

namespace trainsim::sim {

ChunkExpansion::ChunkExpansion(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                               std::vector<std::vector<int>> rank_gpus)
    : schedule_(schedule), stage_times_(stage_times), rank_gpus_(std::move(rank_gpus)) {}

ExpandedOp ChunkExpansion::expand(ActivityGraph& graph, int rank, const ScheduleOp& op,
                                  const std::vector<StageTask>& tasks) {
  const double duration_s = op_duration_s(schedule_, stage_times_, rank, op);
  const int name = graph.intern(format_op(op, schedule_.lanes()));
  ExpandedOp out;
  const auto& gpus = rank_gpus_[rank];
  for (std::size_t j = 0; j < gpus.size(); ++j) {
    const int id = graph.add_compute(gpus[j], duration_s,
                                     {timeline_rank(rank, static_cast<int>(j), static_cast<int>(gpus.size())), name,
                                      op.chunk.microbatch, /*tag=*/0});
    out.tasks.emplace_back(tasks.size(), TaskSpan{id, id});
    out.compute.push_back({id, id});
  }
  return out;
}

ActivityGraph pipeline_graph(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                             const PipelinePlacement& placement) {
  ChunkExpansion expansion(schedule, stage_times, placement.rank_gpus);
  return pipeline_graph(schedule, expansion, placement).graph;
}

}  // namespace trainsim::sim
