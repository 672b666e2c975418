// Tasks of schedule ops and their dependencies (see stage_task.h).
#include "sim/schedules/stage_task.h"

#include "core/error.h"

namespace trainsim::sim {
namespace {

StageTask task_on(const PipelineSchedule& schedule, int rank, TaskKind kind, const ChunkRef& chunk) {
  return {kind, schedule.direction_of(chunk.lane), chunk.microbatch, schedule.stage_of({rank, chunk.lane})};
}

std::string_view task_phase(TaskKind kind) {
  switch (kind) {
    case TaskKind::kForward: return "F";
    case TaskKind::kBackwardInput: return "Bi";
    case TaskKind::kWeight: return "W";
  }
  return "?";
}

}  // namespace

std::vector<StageTask> tasks_of(const PipelineSchedule& schedule, int rank, const ScheduleOp& op) {
  switch (op.phase) {
    case Phase::kForward: return {task_on(schedule, rank, TaskKind::kForward, op.chunk)};
    case Phase::kBackwardInput: return {task_on(schedule, rank, TaskKind::kBackwardInput, op.chunk)};
    case Phase::kWeight: return {task_on(schedule, rank, TaskKind::kWeight, op.chunk)};
    case Phase::kBackward:
      return {task_on(schedule, rank, TaskKind::kBackwardInput, op.chunk),
              task_on(schedule, rank, TaskKind::kWeight, op.chunk)};
    case Phase::kForwardBackward:
      return {task_on(schedule, rank, TaskKind::kForward, op.chunk),
              task_on(schedule, rank, TaskKind::kBackwardInput, op.backward),
              task_on(schedule, rank, TaskKind::kWeight, op.backward)};
  }
  return {};
}

std::vector<StageTask> prerequisites(const PipelineSchedule& schedule, const StageTask& task) {
  StageTask before = task;
  switch (task.kind) {
    case TaskKind::kForward:
      if (task.stage == 0) return {};
      before.stage -= 1;
      return {before};
    case TaskKind::kBackwardInput: {
      before.kind = TaskKind::kForward;
      if (task.stage == schedule.stages() - 1) return {before};
      StageTask downstream = task;
      downstream.stage += 1;
      return {before, downstream};
    }
    case TaskKind::kWeight: before.kind = TaskKind::kBackwardInput; return {before};
  }
  return {};
}

int rank_of(const PipelineSchedule& schedule, const StageTask& task) {
  return schedule.slot_of(task.stage, task.direction).rank;
}

std::string describe(const PipelineSchedule& schedule, const StageTask& task) {
  const Slot slot = schedule.slot_of(task.stage, task.direction);
  std::string name = std::string(task_phase(task.kind)) + std::to_string(task.microbatch);
  if (schedule.lanes() > 1) name += static_cast<char>('a' + slot.lane);
  return fmt::format("{} at stage {} (rank {})", name, task.stage, slot.rank);
}

TaskIndex::TaskIndex(const PipelineSchedule& schedule)
    : directions_(schedule.directions()),
      microbatches_(schedule.microbatches_per_direction()),
      stages_(schedule.stages()) {}

int TaskIndex::operator()(const StageTask& task) const {
  if (task.direction < 0 || task.direction >= directions_ || task.microbatch < 0 ||
      task.microbatch >= microbatches_ || task.stage < 0 || task.stage >= stages_)
    return -1;
  return ((static_cast<int>(task.kind) * directions_ + task.direction) * microbatches_ + task.microbatch) *
             stages_ +
         task.stage;
}

StageTask TaskIndex::task(int index) const {
  StageTask task;
  task.stage = index % stages_;
  index /= stages_;
  task.microbatch = index % microbatches_;
  index /= microbatches_;
  task.direction = index % directions_;
  task.kind = static_cast<TaskKind>(index / directions_);
  return task;
}

}  // namespace trainsim::sim
