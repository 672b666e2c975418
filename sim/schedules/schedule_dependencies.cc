// Resolving a schedule's task dependencies to ops, once (see schedule_dependencies.h).
#include "sim/schedules/schedule_dependencies.h"

#include <algorithm>

#include "core/error.h"
#include "sim/schedules/schedule_validator.h"
#include "sim/schedules/stage_task.h"

namespace trainsim::sim {
namespace {

// Activations in flight on one rank, walking its ops in order (counting rule in schedule_run.h).
double peak_activations_of(const PipelineSchedule& schedule, int rank) {
  double live = 0;
  double peak = 0;
  for (const ScheduleOp& op : schedule.ops(rank)) {
    if (op.phase == Phase::kForward || op.phase == Phase::kForwardBackward) live += schedule.chunk_fraction();
    peak = std::max(peak, live);
    if (op.phase == Phase::kBackward || op.phase == Phase::kBackwardInput || op.phase == Phase::kForwardBackward)
      live -= schedule.chunk_fraction();
  }
  return peak;
}

}  // namespace


ScheduleDependencies::ScheduleDependencies(const PipelineSchedule& schedule) {
  validate_schedule(schedule);
  const int ranks = schedule.ranks();
  first_op_.push_back(0);
  for (int r = 0; r < ranks; ++r) first_op_.push_back(first_op_.back() + static_cast<int>(schedule.ops(r).size()));
  const auto ops = static_cast<std::size_t>(op_count());
  rank_of_op_.resize(ops);
  model_stages_.resize(ops);

  // Which op performs each task (the validator has checked each task is performed exactly once).
  const TaskIndex index(schedule);
  std::vector<int> performer(static_cast<std::size_t>(index.size()), -1);
  std::vector<std::vector<StageTask>> own(ops);
  for (int r = 0; r < ranks; ++r) {
    for (int i = 0; i < static_cast<int>(schedule.ops(r).size()); ++i) {
      const int op = first_op(r) + i;
      rank_of_op_[static_cast<std::size_t>(op)] = r;
      const ScheduleOp& scheduled = schedule.ops(r)[static_cast<std::size_t>(i)];
      const int stage = schedule.model_stage_of(schedule.stage_of({r, scheduled.chunk.lane}));
      model_stages_[static_cast<std::size_t>(op)] = {
          stage, scheduled.phase == Phase::kForwardBackward ? schedule.model_stage_of(schedule.stage_of({r, scheduled.backward.lane})) : stage};
      own[static_cast<std::size_t>(op)] = tasks_of(schedule, r, schedule.ops(r)[static_cast<std::size_t>(i)]);
      for (const StageTask& task : own[static_cast<std::size_t>(op)]) performer[static_cast<std::size_t>(index(task))] = op;
    }
  }
  needed_start_.reserve(ops + 1);
  for (std::size_t op = 0; op < ops; ++op) {
    needed_start_.push_back(static_cast<int>(needed_.size()));
    for (const StageTask& task : own[op]) {
      for (const StageTask& prerequisite : prerequisites(schedule, task)) {
        const int by = performer[static_cast<std::size_t>(index(prerequisite))];
        TS_CHECK(by >= 0, "a validated schedule leaves {} to no op", describe(schedule, prerequisite));
        if (by == static_cast<int>(op)) continue;  // performed within the op itself (F&B's own forward)
        needed_.push_back({by, rank_of_op(by) != rank_of_op_[op]});
      }
    }
  }
  needed_start_.push_back(static_cast<int>(needed_.size()));

  // Ranks advance in sweeps, each as far as its next op's needs are done: the validator's deadlock check
  // guarantees every op is reached.
  std::vector<char> done(ops, 0);
  std::vector<int> next(static_cast<std::size_t>(ranks), 0);
  order_.reserve(ops);
  for (bool moved = true; moved;) {
    moved = false;
    for (int r = 0; r < ranks; ++r) {
      for (; first_op(r) + next[static_cast<std::size_t>(r)] < first_op(r + 1); ++next[static_cast<std::size_t>(r)], moved = true) {
        const int op = first_op(r) + next[static_cast<std::size_t>(r)];
        if (!std::all_of(needed_begin(op), needed_end(op), [&](const Needed& n) { return done[static_cast<std::size_t>(n.op)] != 0; }))
          break;
        done[static_cast<std::size_t>(op)] = 1;
        order_.push_back(op);
      }
    }
  }
  for (int r = 0; r < ranks; ++r) peak_activations_.push_back(peak_activations_of(schedule, r));
  TS_CHECK(order_.size() == ops, "validated schedule stalled after {} of {} ops", order_.size(), ops);
}

}  // namespace trainsim::sim
