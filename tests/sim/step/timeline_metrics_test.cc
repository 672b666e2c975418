// Timeline metrics: every instant of a rank is compute, exposed communication (first of ep, tp, pp, dp) or
// idle; the critical rank is the least idle.
#include "sim/step/timeline_metrics.h"

#include <gtest/gtest.h>

namespace trainsim::sim {
namespace {

TimelineEvent event(int rank, WorkKind kind, double start_s, double end_s) {
  return {rank, is_communication(kind) ? Stream::kComm : Stream::kCompute, kind, 0, 0, start_s, end_s};
}

TEST(TimelineMetrics, SplitsEachRanksTimeIntoComputeExposedCommunicationAndIdle) {
  Timeline t;
  t.names = {"op"};
  t.events = {
      event(0, WorkKind::kAttention, 0.0, 1.0),
      event(0, WorkKind::kEp, 0.5, 2.0),       // 0.5 s hidden, 1.0 s exposed
      event(0, WorkKind::kPp, 1.5, 2.5),       // 1.5-2.0 shared with EP (EP takes it), 2.0-2.5 exposed PP
      event(0, WorkKind::kExperts, 3.0, 4.0),  // 2.5-3.0 idle
      event(0, WorkKind::kOptimizer, 4.0, 4.5),
      event(1, WorkKind::kAttention, 0.0, 1.0),  // rank 1: idle the rest
  };
  t.makespan_s = 5.0;
  const TimelineMetrics m = timeline_metrics(t);
  ASSERT_EQ(m.ranks.size(), 2u);
  const RankMetrics& r = m.ranks[0];
  EXPECT_DOUBLE_EQ(r.compute_s, 2.5);
  EXPECT_DOUBLE_EQ(r.compute_by_kind_s.at(WorkKind::kOptimizer), 0.5);
  EXPECT_DOUBLE_EQ(r.exposed_comm_by_kind_s.at(WorkKind::kEp), 1.0);
  EXPECT_DOUBLE_EQ(r.exposed_comm_by_kind_s.at(WorkKind::kPp), 0.5);
  EXPECT_DOUBLE_EQ(r.comm_by_kind_s.at(WorkKind::kEp), 1.5);
  EXPECT_DOUBLE_EQ(r.comm_by_kind_s.at(WorkKind::kPp), 1.0);
  EXPECT_DOUBLE_EQ(r.idle_s, 5.0 - 2.5 - 1.5);
  EXPECT_DOUBLE_EQ(m.ranks[1].idle_s, 4.0);
  EXPECT_EQ(m.critical_rank, 0);
}

}  // namespace
}  // namespace trainsim::sim
