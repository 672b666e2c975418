// The validator accepts every generated schedule and names the first violation of a broken one precisely:
// a task twice, a task missing, a same-rank order violation, a deadlock, an op out of range.
#include "sim/schedules/schedule_validator.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "sim/schedules/dualpipe_schedule.h"
#include "sim/schedules/linear_schedules.h"
#include "sim/schedules/schedule_request.h"

namespace trainsim::sim {
namespace {

TEST(ScheduleValidator, AcceptsEveryGeneratedSchedule) {
  for (ScheduleKind kind : kAllScheduleKinds)
    for (int pp : {2, 4, 8, 16})
      for (int m : {2 * pp, 3 * pp, 4 * pp}) {
        const PipelineSchedule schedule = make_schedule({kind, pp, m, pp == 2 ? 3 : 2});
        EXPECT_EQ(first_violation(schedule), std::nullopt) << schedule_name(kind) << " pp " << pp << " m " << m;
      }
  EXPECT_EQ(first_violation(one_f_one_b_schedule(8, 3)), std::nullopt);  // fewer micro-batches than stages
  EXPECT_EQ(first_violation(gpipe_schedule(1, 1)), std::nullopt);
}

TEST(ScheduleValidator, NamesATaskRunTwice) {
  PipelineSchedule schedule = one_f_one_b_schedule(4, 8);
  schedule.ops(2)[1] = schedule.ops(2)[0];  // F0 twice on rank 2, F1 never
  EXPECT_EQ(first_violation(schedule), "rank 2 op 1 (F0): runs F0 at stage 2 (rank 2) a second time (first at "
                                       "rank 2 op 0 (F0))");
}

TEST(ScheduleValidator, NamesAMissingTask) {
  PipelineSchedule schedule = zb1p_schedule(4, 4);
  auto& ops = schedule.ops(3);
  ops.erase(std::find(ops.begin(), ops.end(), ScheduleOp{Phase::kWeight, {2, 0}, {}}));
  EXPECT_EQ(first_violation(schedule), "W2 at stage 3 (rank 3) never runs");
}

TEST(ScheduleValidator, NamesAWeightBackwardBeforeItsBackwardForInputs) {
  PipelineSchedule schedule = dualpipe_schedule(4, 8);
  auto& ops = schedule.ops(0);
  // Rank 0 opens F0a F1a F2a F0b Bi0b W0b: move W0b to the front, Bi0b shifts to op 5.
  const auto w = std::find(ops.begin(), ops.end(), ScheduleOp{Phase::kWeight, {0, 1}, {}});
  ASSERT_NE(w, ops.end());
  std::rotate(ops.begin(), w, w + 1);
  EXPECT_EQ(first_violation(schedule),
            "rank 0 op 0 (W0b): runs before Bi0b at stage 3 (rank 0), which this rank runs later at op 5");
}

TEST(ScheduleValidator, NamesADeadlock) {
  PipelineSchedule schedule = one_f_one_b_schedule(2, 2);
  // Rank 0 waits in B0 for rank 1's backward of 0, while rank 1 waits in F1 for rank 0's forward of 1.
  schedule.ops(0) = {{Phase::kForward, {0, 0}, {}}, {Phase::kBackward, {0, 0}, {}}, {Phase::kForward, {1, 0}, {}},
                     {Phase::kBackward, {1, 0}, {}}};
  schedule.ops(1) = {{Phase::kForward, {1, 0}, {}}, {Phase::kBackward, {1, 0}, {}}, {Phase::kForward, {0, 0}, {}},
                     {Phase::kBackward, {0, 0}, {}}};
  EXPECT_EQ(first_violation(schedule), "deadlock: rank 0 op 1 (B0) waits for Bi0 at stage 1 (rank 1), which never "
                                       "becomes ready");
  EXPECT_THROW(validate_schedule(schedule), Error);
}

TEST(ScheduleValidator, NamesAnOpOutOfRange) {
  PipelineSchedule schedule = dualpipe_schedule(4, 8);
  schedule.ops(1)[0].chunk.microbatch = 4;
  EXPECT_EQ(first_violation(schedule), "rank 1 op 0 (F4a): micro-batch 4 out of range [0, 4)");
  schedule = dualpipe_schedule(4, 8);
  schedule.ops(1)[0].chunk.lane = 2;
  EXPECT_EQ(first_violation(schedule), "rank 1 op 0 (F0c): lane 2 out of range [0, 2)");
}

TEST(ScheduleValidator, ErrorNamesTheSchedule) {
  PipelineSchedule schedule = gpipe_schedule(2, 2);
  schedule.ops(0).pop_back();
  try {
    validate_schedule(schedule);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid gpipe schedule (pp 2, 2 micro-batches): Bi1 at stage 0 (rank 0) never runs");
  }
}

}  // namespace
}  // namespace trainsim::sim
