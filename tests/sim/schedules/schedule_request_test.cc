// Every rule on schedule requests throws ConfigError with its key path and a clear message; valid requests
// give schedules of the right shape.
#include "sim/schedules/schedule_request.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace trainsim::sim {
namespace {

// The ConfigError message of a rejected request ("" when accepted), checking the key path on the way.
std::string rejection(const ScheduleRequest& request, const std::string& key_path) {
  try {
    check_schedule_request(request, "command line");
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().key_path, key_path) << e.what();
    EXPECT_EQ(e.where().file, "command line");
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ScheduleRequest, RejectsPpOutOfRange) {
  EXPECT_TRUE(contains(rejection({ScheduleKind::kOneFOneB, 0, 8, 2}, "schedule.pp"), "pp 0 is out of range"));
  EXPECT_TRUE(contains(rejection({ScheduleKind::kGPipe, 5000, 8, 2}, "schedule.pp"), "1 to 1024"));
}

TEST(ScheduleRequest, RejectsMicrobatchesOutOfRange) {
  EXPECT_TRUE(contains(rejection({ScheduleKind::kGPipe, 4, 0, 2}, "schedule.microbatches"), "out of range"));
}

TEST(ScheduleRequest, DualPipeNeedsEvenPp) {
  const std::string message = rejection({ScheduleKind::kDualPipe, 7, 20, 2}, "schedule.pp");
  EXPECT_EQ(message, "command line: schedule.pp: dualpipe needs an even pp, got 7 (expected an even number of "
                     "stages); hint: DualPipe pairs stage s with stage pp-1-s on one device");
  EXPECT_TRUE(contains(rejection({ScheduleKind::kDualPipeV, 5, 20, 2}, "schedule.pp"), "dualpipev needs an even pp"));
}

TEST(ScheduleRequest, DualPipeNeedsAnEvenCountOfAtLeastTwicePp) {
  EXPECT_TRUE(contains(rejection({ScheduleKind::kDualPipe, 8, 14, 2}, "schedule.microbatches"),
                       "at least 2*pp = 16 micro-batches, got 14"));
  EXPECT_TRUE(contains(rejection({ScheduleKind::kDualPipe, 8, 17, 2}, "schedule.microbatches"), "even"));
  EXPECT_EQ(rejection({ScheduleKind::kDualPipe, 8, 16, 2}, ""), "");
}

TEST(ScheduleRequest, DualPipeVNeedsAtLeastPpMicrobatches) {
  EXPECT_TRUE(contains(rejection({ScheduleKind::kDualPipeV, 8, 7, 2}, "schedule.microbatches"),
                       "dualpipev needs at least pp = 8 micro-batches, got 7"));
  EXPECT_EQ(rejection({ScheduleKind::kDualPipeV, 8, 9, 2}, ""), "");
}

TEST(ScheduleRequest, Zb1pNeedsAtLeastPpMicrobatches) {
  EXPECT_TRUE(contains(rejection({ScheduleKind::kZeroBubble1P, 8, 4, 2}, "schedule.microbatches"),
                       "zb1p needs at least pp = 8 micro-batches, got 4"));
}

TEST(ScheduleRequest, InterleavedNeedsWholeGroupsAndVirtualStages) {
  EXPECT_TRUE(contains(rejection({ScheduleKind::kInterleaved, 4, 10, 2}, "schedule.microbatches"),
                       "whole groups of pp = 4, got 10"));
  EXPECT_TRUE(contains(rejection({ScheduleKind::kInterleaved, 4, 8, 1}, "schedule.virtual_stages"),
                       "2 to 26 virtual stages, got 1"));
  EXPECT_TRUE(contains(rejection({ScheduleKind::kInterleaved, 4, 8, 27}, "schedule.virtual_stages"), "got 27"));
}

TEST(ScheduleRequest, MakesSchedulesOfTheRightShape) {
  EXPECT_EQ(make_schedule({ScheduleKind::kDualPipeV, 8, 10, 2}).ranks(), 4);
  EXPECT_EQ(make_schedule({ScheduleKind::kDualPipe, 8, 20, 2}).ranks(), 8);
  const PipelineSchedule interleaved = make_schedule({ScheduleKind::kInterleaved, 4, 8, 3});
  EXPECT_EQ(interleaved.lanes(), 3);
  EXPECT_EQ(interleaved.stages(), 12);
  EXPECT_EQ(interleaved.op_count(), 4 * 8 * 3 * 2);
  EXPECT_EQ(make_schedule({ScheduleKind::kOneFOneB, 1, 3, 2}).op_count(), 6);
  EXPECT_THROW(make_schedule({ScheduleKind::kDualPipe, 3, 20, 2}), ConfigError);
}

// Megatron-Core's EP overlap (schedules.py): one more warm-up forward on every rank, then each steady forward and
// backward as one F&B op of two independent micro-batches. Interleaved pp 4 x v 2, 8 micro-batches (16 chunks a
// rank): rank r warms up with 2 (4 - r - 1) + 4 + 1 forwards, pairs the other 16 - warm-up forwards, and drains as
// many backwards as it warmed up with. 1F1B at pp 1: one warm-up forward, 7 pairs, one backward.
TEST(ScheduleRequest, PairedSchedulesRunEachSteadyForwardWithAnIndependentBackward) {
  const PipelineSchedule interleaved = make_schedule({ScheduleKind::kInterleaved, 4, 8, 2, true});
  for (int r = 0; r < 4; ++r) {
    const int warmup = 2 * (4 - r - 1) + 4 + 1;
    int forwards = 0, pairs = 0, backwards = 0;
    for (const ScheduleOp& op : interleaved.ops(r)) {
      forwards += op.phase == Phase::kForward ? 1 : 0;
      backwards += op.phase == Phase::kBackward ? 1 : 0;
      if (op.phase != Phase::kForwardBackward) continue;
      ++pairs;
      EXPECT_FALSE(op.chunk.microbatch == op.backward.microbatch && op.chunk.lane == op.backward.lane) << r;
    }
    EXPECT_EQ(forwards, warmup) << r;
    EXPECT_EQ(pairs, 16 - warmup) << r;
    EXPECT_EQ(backwards, warmup) << r;
  }
  const PipelineSchedule one_stage = make_schedule({ScheduleKind::kOneFOneB, 1, 8, 2, true});
  ASSERT_EQ(one_stage.ops(0).size(), 9u);
  EXPECT_EQ(one_stage.ops(0).front().phase, Phase::kForward);
  for (std::size_t i = 1; i < 8; ++i) {
    EXPECT_EQ(one_stage.ops(0)[i].phase, Phase::kForwardBackward);
    EXPECT_EQ(one_stage.ops(0)[i].chunk.microbatch, static_cast<int>(i));  // forward i with backward i - 1
    EXPECT_EQ(one_stage.ops(0)[i].backward.microbatch, static_cast<int>(i) - 1);
  }
  EXPECT_EQ(one_stage.ops(0).back().phase, Phase::kBackward);
  EXPECT_TRUE(contains(rejection({ScheduleKind::kZeroBubble1P, 4, 8, 2, true}, "schedule.paired"),
                       "zb1p does not pair forwards with backwards"));
}

}  // namespace
}  // namespace trainsim::sim
