// The store of resolved schedules hands back the schedule of the request asked, never one of another request that
// shares some of its fields.
#include "sim/schedules/resolved_schedule.h"

#include <gtest/gtest.h>

namespace trainsim::sim {
namespace {

// Interleaved pp 4 x v 2, 8 micro-batches: 16 chunks a rank, as 32 ops unpaired (each F and B its own op); paired,
// rank 0's 2 x 3 + 4 + 1 = 11 warm-up forwards, 5 F&B pairs and 11 drained backwards: 27 ops.
TEST(ResolvedSchedule, PairedAndUnpairedRequestsAreStoredApart) {
  const auto unpaired = resolved_schedule({ScheduleKind::kInterleaved, 4, 8, 2, false});
  const auto paired = resolved_schedule({ScheduleKind::kInterleaved, 4, 8, 2, true});
  EXPECT_EQ(unpaired->schedule.ops(0).size(), 32u);
  EXPECT_EQ(paired->schedule.ops(0).size(), 27u);
  EXPECT_EQ(resolved_schedule({ScheduleKind::kInterleaved, 4, 8, 2, false}), unpaired);  // the same, stored
}

}  // namespace
}  // namespace trainsim::sim
