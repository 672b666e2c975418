// The resolved dependencies of a schedule: every op once, in an order that puts it after the ops it needs,
// with the needs the pipeline's data flow gives (hand-listed for a small 1F1B), and the store of resolved
// schedules returning one object per request.
#include "sim/schedules/schedule_dependencies.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "core/error.h"
#include "sim/schedules/linear_schedules.h"
#include "sim/schedules/resolved_schedule.h"

namespace trainsim::sim {
namespace {

std::set<std::pair<int, bool>> needs(const ScheduleDependencies& d, int op) {
  std::set<std::pair<int, bool>> out;
  for (auto n = d.needed_begin(op); n != d.needed_end(op); ++n) out.insert({n->op, n->other_rank});
  return out;
}

// 1F1B on 2 stages, 2 micro-batches. Rank 0 runs F0 F1 B0 B1 (ops 0-3), rank 1 runs F0 B0 F1 B1 (ops 4-7):
// F(s) needs F(s-1); B(s) needs F(s) and B(s+1); the last stage's B needs its own F only.
TEST(ScheduleDependencies, OneFOneBOnTwoStagesNeedsWhatTheDataFlowGives) {
  const PipelineSchedule schedule = one_f_one_b_schedule(2, 2);
  ASSERT_EQ(schedule.ops(0).size(), 4u);
  ASSERT_EQ(schedule.ops(1).size(), 4u);
  const ScheduleDependencies d(schedule);
  EXPECT_EQ(d.op_count(), 8);
  EXPECT_EQ(d.first_op(1), 4);
  EXPECT_TRUE(needs(d, 0).empty());                                         // rank 0 F0
  EXPECT_EQ(needs(d, 4), (std::set<std::pair<int, bool>>{{0, true}}));      // rank 1 F0 <- rank 0 F0
  EXPECT_EQ(needs(d, 5), (std::set<std::pair<int, bool>>{{4, false}}));     // rank 1 B0 <- its F0 (the loss)
  EXPECT_EQ(needs(d, 6), (std::set<std::pair<int, bool>>{{1, true}}));      // rank 1 F1 <- rank 0 F1
  EXPECT_EQ(needs(d, 2), (std::set<std::pair<int, bool>>{{0, false}, {5, true}}));  // rank 0 B0 <- F0, rank 1 B0
}

// For every kind: each op exactly once, after every op it needs and after its rank's earlier ops.
TEST(ScheduleDependencies, OrderIsATopologicalOrderOfEveryKind) {
  for (const ScheduleKind kind : kAllScheduleKinds) {
    const ScheduleRequest request{kind, 4, 8, 2};
    const std::shared_ptr<const ResolvedSchedule> resolved = resolved_schedule(request);
    const ScheduleDependencies& d = resolved->dependencies;
    EXPECT_EQ(d.op_count(), resolved->schedule.op_count()) << schedule_name(kind);
    std::vector<int> position(static_cast<std::size_t>(d.op_count()), -1);
    for (std::size_t i = 0; i < d.order().size(); ++i) {
      ASSERT_EQ(position[static_cast<std::size_t>(d.order()[i])], -1) << schedule_name(kind) << ": op twice";
      position[static_cast<std::size_t>(d.order()[i])] = static_cast<int>(i);
    }
    for (int op = 0; op < d.op_count(); ++op) {
      ASSERT_GE(position[static_cast<std::size_t>(op)], 0) << schedule_name(kind) << ": op " << op << " missing";
      for (auto n = d.needed_begin(op); n != d.needed_end(op); ++n)
        EXPECT_LT(position[static_cast<std::size_t>(n->op)], position[static_cast<std::size_t>(op)]) << schedule_name(kind);
      if (op > d.first_op(d.rank_of_op(op))) {
        EXPECT_LT(position[static_cast<std::size_t>(op - 1)], position[static_cast<std::size_t>(op)]) << schedule_name(kind);
      }
    }
  }
}

TEST(ResolvedSchedule, OneRequestIsResolvedOnceAndARefusedOneThrows) {
  const ScheduleRequest request{ScheduleKind::kOneFOneB, 4, 12, 1};
  EXPECT_EQ(resolved_schedule(request).get(), resolved_schedule(request).get());
  const ScheduleRequest other{ScheduleKind::kOneFOneB, 4, 16, 1};
  EXPECT_NE(resolved_schedule(request).get(), resolved_schedule(other).get());
  EXPECT_THROW(resolved_schedule(ScheduleRequest{ScheduleKind::kDualPipe, 3, 8, 1}), ConfigError);  // odd pp
}

}  // namespace
}  // namespace trainsim::sim
