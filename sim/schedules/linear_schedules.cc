// GPipe, 1F1B and ZB1P (ZB-H1) op orders; see linear_schedules.h for their sources.
#include "sim/schedules/linear_schedules.h"

#include <algorithm>
#include <deque>

#include "core/error.h"

namespace trainsim::sim {
namespace {

ScheduleOp op(Phase phase, int microbatch) { return {phase, {microbatch, 0}, {}}; }

}  // namespace

PipelineSchedule gpipe_schedule(int pp, int microbatches) {
  PipelineSchedule schedule(ScheduleKind::kGPipe, pp, microbatches);
  for (int r = 0; r < pp; ++r) {
    for (int m = 0; m < microbatches; ++m) schedule.ops(r).push_back(op(Phase::kForward, m));
    for (int m = 0; m < microbatches; ++m) schedule.ops(r).push_back(op(Phase::kBackward, m));
  }
  return schedule;
}

PipelineSchedule one_f_one_b_schedule(int pp, int microbatches, bool paired) {
  PipelineSchedule schedule(ScheduleKind::kOneFOneB, pp, microbatches);
  for (int r = 0; r < pp; ++r) {
    auto& ops = schedule.ops(r);
    const int warmup = std::min(pp - 1 - r + (paired ? 1 : 0), microbatches);
    int forwards = 0;
    int backwards = 0;
    while (forwards < warmup) ops.push_back(op(Phase::kForward, forwards++));
    while (forwards < microbatches) {
      if (paired) {
        ops.push_back({Phase::kForwardBackward, {forwards++, 0}, {backwards++, 0}});
        continue;
      }
      ops.push_back(op(Phase::kForward, forwards++));
      ops.push_back(op(Phase::kBackward, backwards++));
    }
    while (backwards < microbatches) ops.push_back(op(Phase::kBackward, backwards++));
  }
  return schedule;
}

PipelineSchedule zb1p_schedule(int pp, int microbatches) {
  TS_CHECK(microbatches >= pp, "ZB1P needs microbatches >= pp, got {} < {}", microbatches, pp);
  PipelineSchedule schedule(ScheduleKind::kZeroBubble1P, pp, microbatches);
  for (int r = 0; r < pp; ++r) {
    auto& ops = schedule.ops(r);
    std::deque<int> deferred;  // micro-batches whose W waits, oldest first
    const int warmup = pp - 1 - r;
    int forwards = 0;
    int backwards = 0;
    while (forwards < warmup) ops.push_back(op(Phase::kForward, forwards++));
    for (int step = 0; forwards < microbatches; ++step) {
      ops.push_back(op(Phase::kForward, forwards++));
      ops.push_back(op(Phase::kBackwardInput, backwards));
      deferred.push_back(backwards++);
      // Rank r starts r time slots after rank 0; its first r W's wait for the cool-down, where they fill
      // the gaps between the arriving Bi's.
      if (step >= r) {
        ops.push_back(op(Phase::kWeight, deferred.front()));
        deferred.pop_front();
      }
    }
    while (backwards < microbatches) {
      ops.push_back(op(Phase::kBackwardInput, backwards));
      deferred.push_back(backwards++);
      ops.push_back(op(Phase::kWeight, deferred.front()));
      deferred.pop_front();
    }
    for (int m : deferred) ops.push_back(op(Phase::kWeight, m));
  }
  return schedule;
}

}  // namespace trainsim::sim
