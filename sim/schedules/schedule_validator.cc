// Checks of a pipeline schedule against the dependencies of stage_task.h, in the order of
// schedule_validator.h; the deadlock check runs the per-rank orders without times.
#include "sim/schedules/schedule_validator.h"

#include <algorithm>

#include "core/error.h"
#include "sim/schedules/stage_task.h"

namespace trainsim::sim {
namespace {

struct Position {
  int rank = -1;
  int op = -1;
};

std::string op_label(const PipelineSchedule& schedule, int rank, int op) {
  return fmt::format("rank {} op {} ({})", rank, op, format_op(schedule.ops(rank)[op], schedule.lanes()));
}

// A prerequisite inside the same op is allowed only where the op itself orders it (B: Bi, then W).
bool inside_op(const StageTask& needed, const std::vector<StageTask>& own, const StageTask& task) {
  return task.kind == TaskKind::kWeight && std::find(own.begin(), own.end(), needed) != own.end();
}

// Records where each task runs; names ops out of range and tasks that run twice.
std::optional<std::string> place_tasks(const PipelineSchedule& schedule, const TaskIndex& index,
                                       std::vector<Position>& where) {
  for (int r = 0; r < schedule.ranks(); ++r) {
    for (int i = 0; i < static_cast<int>(schedule.ops(r).size()); ++i) {
      const ScheduleOp& op = schedule.ops(r)[i];
      for (const ChunkRef& chunk : {op.chunk, op.backward}) {
        if (chunk.lane < 0 || chunk.lane >= schedule.lanes())
          return fmt::format("{}: lane {} out of range [0, {})", op_label(schedule, r, i), chunk.lane,
                             schedule.lanes());
      }
      for (const StageTask& task : tasks_of(schedule, r, op)) {
        const int k = index(task);
        if (k < 0)
          return fmt::format("{}: micro-batch {} out of range [0, {})", op_label(schedule, r, i),
                             task.microbatch, schedule.microbatches_per_direction());
        if (where[k].rank >= 0)
          return fmt::format("{}: runs {} a second time (first at {})", op_label(schedule, r, i),
                             describe(schedule, task), op_label(schedule, where[k].rank, where[k].op));
        where[k] = {r, i};
      }
    }
  }
  for (int k = 0; k < index.size(); ++k)
    if (where[k].rank < 0) return fmt::format("{} never runs", describe(schedule, index.task(k)));
  return std::nullopt;
}

std::optional<std::string> check_rank_order(const PipelineSchedule& schedule, const TaskIndex& index,
                                            const std::vector<Position>& where) {
  for (int r = 0; r < schedule.ranks(); ++r) {
    for (int i = 0; i < static_cast<int>(schedule.ops(r).size()); ++i) {
      const auto own = tasks_of(schedule, r, schedule.ops(r)[i]);
      for (const StageTask& task : own) {
        for (const StageTask& needed : prerequisites(schedule, task)) {
          const Position at = where[index(needed)];
          if (at.rank != r || at.op < i || (at.op == i && inside_op(needed, own, task))) continue;
          const std::string when = at.op == i ? "in the same op" : fmt::format("later at op {}", at.op);
          return fmt::format("{}: runs before {}, which this rank runs {}", op_label(schedule, r, i),
                             describe(schedule, needed), when);
        }
      }
    }
  }
  return std::nullopt;
}

// Runs the orders without times; when no rank can move, names the first blocked rank and what it waits for.
std::optional<std::string> check_deadlock(const PipelineSchedule& schedule, const TaskIndex& index) {
  std::vector<char> done(static_cast<std::size_t>(index.size()), 0);
  std::vector<int> next(static_cast<std::size_t>(schedule.ranks()), 0);
  for (bool moved = true; moved;) {
    moved = false;
    for (int r = 0; r < schedule.ranks(); ++r) {
      for (; next[r] < static_cast<int>(schedule.ops(r).size()); ++next[r], moved = true) {
        const auto own = tasks_of(schedule, r, schedule.ops(r)[next[r]]);
        bool ready = true;
        for (const StageTask& task : own)
          for (const StageTask& needed : prerequisites(schedule, task))
            ready = ready && (done[index(needed)] || inside_op(needed, own, task));
        if (!ready) break;
        for (const StageTask& task : own) done[index(task)] = 1;
      }
    }
  }
  for (int r = 0; r < schedule.ranks(); ++r) {
    if (next[r] == static_cast<int>(schedule.ops(r).size())) continue;
    const auto own = tasks_of(schedule, r, schedule.ops(r)[next[r]]);
    for (const StageTask& task : own)
      for (const StageTask& needed : prerequisites(schedule, task))
        if (!done[index(needed)] && !inside_op(needed, own, task))
          return fmt::format("deadlock: {} waits for {}, which never becomes ready", op_label(schedule, r, next[r]),
                             describe(schedule, needed));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> first_violation(const PipelineSchedule& schedule) {
  const TaskIndex index(schedule);
  std::vector<Position> where(static_cast<std::size_t>(index.size()));
  if (auto problem = place_tasks(schedule, index, where)) return problem;
  if (auto problem = check_rank_order(schedule, index, where)) return problem;
  return check_deadlock(schedule, index);
}

void validate_schedule(const PipelineSchedule& schedule) {
  if (auto problem = first_violation(schedule))
    throw Error(fmt::format("invalid {} schedule (pp {}, {} micro-batches): {}", schedule_name(schedule.kind()),
                            schedule.pp(), schedule.microbatches(), *problem));
}

}  // namespace trainsim::sim
