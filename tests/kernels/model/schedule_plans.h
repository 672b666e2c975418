// The simulator's pipeline schedules (sim/schedules) as the reduced model's pipeline plans (pipeline_plan.h): the
// conversion the pipeline tests and the GPU check's written-out orders are held to.
#pragma once
#include <vector>

#include "kernels/model/pipeline_plan.h"
#include "kernels/model/pipeline_stage.h"
#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::kernels::testing {

// The step's micro-batch of a schedule's chunk: DualPipe numbers its micro-batches per direction.
inline int micro_batch_of(const sim::PipelineSchedule& schedule, const sim::ChunkRef& chunk) {
  return schedule.direction_of(chunk.lane) * schedule.microbatches_per_direction() + chunk.microbatch;
}

// A rank's ops of a simulator schedule: F, B, Bi and W as they are; an F&B pair as its forward then its backward
// (one device runs the two in turn; their overlap is the simulator's to price).
inline std::vector<model::PipelineOp> ops_of(const sim::PipelineSchedule& schedule, int rank) {
  using model::PipelinePass;
  std::vector<model::PipelineOp> ops;
  const auto op = [&](PipelinePass pass, const sim::ChunkRef& chunk) {
    ops.push_back({pass, micro_batch_of(schedule, chunk), chunk.lane});
  };
  for (const sim::ScheduleOp& entry : schedule.ops(rank)) {
    switch (entry.phase) {
      case sim::Phase::kForward:
        op(PipelinePass::kForward, entry.chunk);
        break;
      case sim::Phase::kBackward:
        op(PipelinePass::kBackward, entry.chunk);
        break;
      case sim::Phase::kBackwardInput:
        op(PipelinePass::kBackwardInput, entry.chunk);
        break;
      case sim::Phase::kWeight:
        op(PipelinePass::kBackwardWeight, entry.chunk);
        break;
      case sim::Phase::kForwardBackward:
        op(PipelinePass::kForward, entry.chunk);
        op(PipelinePass::kBackward, entry.backward);
        break;
    }
  }
  return ops;
}

// Every rank's ops and lanes' stages.
inline model::PipelinePlan plan_of(const sim::PipelineSchedule& schedule) {
  model::PipelinePlan plan(schedule.ranks());
  for (int r = 0; r < schedule.ranks(); ++r) {
    plan[r].ops = ops_of(schedule, r);
    for (int l = 0; l < schedule.lanes(); ++l) plan[r].stage_of_lane.push_back(schedule.stage_of(sim::Slot{r, l}));
  }
  return plan;
}

// Each direction's ranks of the stages: where the schedule runs each stage.
inline std::vector<std::vector<int>> rank_of_stage_by_direction(const sim::PipelineSchedule& schedule) {
  std::vector<std::vector<int>> ranks(schedule.directions());
  for (int d = 0; d < schedule.directions(); ++d)
    for (int s = 0; s < schedule.stages(); ++s) ranks[d].push_back(schedule.slot_of(s, d).rank);
  return ranks;
}

// Each direction's pipeline over `peers`.
inline std::vector<model::PipelineParallelism> pipelines_of(const sim::PipelineSchedule& schedule,
                                                            model::Communicator& peers) {
  std::vector<model::PipelineParallelism> pipelines;
  for (const std::vector<int>& ranks : rank_of_stage_by_direction(schedule))
    pipelines.push_back(model::PipelineParallelism{&peers, ranks});
  return pipelines;
}

}  // namespace trainsim::kernels::testing
