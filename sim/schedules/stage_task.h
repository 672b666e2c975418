// StageTask: one unit of work a schedule owes one (micro-batch, stage): its forward, its backward for inputs
// or its weight backward, and the data dependencies between them. The validator and the executor share these.
#pragma once
#include <string>
#include <vector>

#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

enum class TaskKind { kForward, kBackwardInput, kWeight };

struct StageTask {
  TaskKind kind = TaskKind::kForward;
  int direction = 0;  // DualPipe's two micro-batch sets; 0 otherwise
  int microbatch = 0;
  int stage = 0;
  friend bool operator==(const StageTask&, const StageTask&) = default;
};

// The tasks one op performs: F one forward, B a backward for inputs and its weights, Bi and W one each, F&B
// a forward and a full backward.
std::vector<StageTask> tasks_of(const PipelineSchedule& schedule, int rank, const ScheduleOp& op);

// What must finish before `task` starts: F(s) needs F(s-1); Bi(s) needs F(s) and Bi(s+1) (on the last stage
// the loss, i.e. F(s) alone); W(s) needs Bi(s).
std::vector<StageTask> prerequisites(const PipelineSchedule& schedule, const StageTask& task);

// The rank that must run `task` under the schedule's stage map.
int rank_of(const PipelineSchedule& schedule, const StageTask& task);

// "Bi3a at stage 5 (rank 2)" in the op notation of the schedule.
std::string describe(const PipelineSchedule& schedule, const StageTask& task);

// Dense numbering of all tasks of a schedule, for flat per-task tables.
class TaskIndex {
 public:
  explicit TaskIndex(const PipelineSchedule& schedule);
  int size() const { return 3 * directions_ * microbatches_ * stages_; }
  // -1 when the micro-batch or stage is out of range.
  int operator()(const StageTask& task) const;
  StageTask task(int index) const;

 private:
  int directions_;
  int microbatches_;
  int stages_;
};

}  // namespace trainsim::sim
