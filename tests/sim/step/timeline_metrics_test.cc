// Timeline metrics: every instant of a rank is compute, exposed communication (first of ep, tp, pp, dp) or
// idle; the critical rank is the least idle; each compute op's executed duration goes to the op kinds in
// the shares of its tag.
#include "sim/step/timeline_metrics.h"

#include <gtest/gtest.h>

namespace trainsim::sim {
namespace {

using models::ComputeKind;

double& at(models::ComputeKindSeconds& s, ComputeKind kind) { return s[static_cast<std::size_t>(kind)]; }
double at(const models::ComputeKindSeconds& s, ComputeKind kind) { return s[static_cast<std::size_t>(kind)]; }

TimelineEvent event(int rank, int tag, double start_s, double end_s) {
  const bool comm = tag == WorkTags::kEp || tag == WorkTags::kTp || tag == WorkTags::kPp || tag == WorkTags::kDp;
  return {rank, comm ? Stream::kComm : Stream::kCompute, tag, 0, 0, start_s, end_s};
}

TEST(TimelineMetrics, SplitsEachRanksTimeIntoComputeExposedCommunicationAndIdle) {
  WorkTags tags;
  models::ComputeKindSeconds attention{}, experts{};
  at(attention, ComputeKind::kAttentionCore) = 3;  // priced 3 : 1, so the executed second splits 0.75 : 0.25
  at(attention, ComputeKind::kProjection) = 1;
  at(experts, ComputeKind::kExpertGemm) = 2;
  const int attention_tag = tags.compute("attention", attention), experts_tag = tags.compute("experts", experts);
  Timeline t;
  t.names = {"op"};
  t.events = {
      event(0, attention_tag, 0.0, 1.0),
      event(0, WorkTags::kEp, 0.5, 2.0),     // 0.5 s hidden, 1.0 s exposed
      event(0, WorkTags::kPp, 1.5, 2.5),     // 1.5-2.0 shared with EP (EP takes it), 2.0-2.5 exposed PP
      event(0, experts_tag, 3.0, 4.0),       // 2.5-3.0 idle
      event(0, WorkTags::kOptimizer, 4.0, 4.5),
      event(0, WorkTags::kJoin, 4.5, 4.5),   // a zero-length join counts for nothing
      event(1, attention_tag, 0.0, 1.0),     // rank 1: idle the rest
  };
  t.makespan_s = 5.0;
  const TimelineMetrics m = timeline_metrics(t, tags);
  ASSERT_EQ(m.ranks.size(), 2u);
  const RankMetrics& r = m.ranks[0];
  EXPECT_DOUBLE_EQ(r.compute_s, 2.5);
  EXPECT_DOUBLE_EQ(at(r.compute_by_kind_s, ComputeKind::kAttentionCore), 0.75);
  EXPECT_DOUBLE_EQ(at(r.compute_by_kind_s, ComputeKind::kProjection), 0.25);
  EXPECT_DOUBLE_EQ(at(r.compute_by_kind_s, ComputeKind::kExpertGemm), 1.0);
  EXPECT_DOUBLE_EQ(at(r.compute_by_kind_s, ComputeKind::kOptimizer), 0.5);
  EXPECT_DOUBLE_EQ(r.exposed_comm_by_kind_s.at(WorkClass::kEp), 1.0);
  EXPECT_DOUBLE_EQ(r.exposed_comm_by_kind_s.at(WorkClass::kPp), 0.5);
  EXPECT_DOUBLE_EQ(r.comm_by_kind_s.at(WorkClass::kEp), 1.5);
  EXPECT_DOUBLE_EQ(r.comm_by_kind_s.at(WorkClass::kPp), 1.0);
  EXPECT_DOUBLE_EQ(r.idle_s, 5.0 - 2.5 - 1.5);
  EXPECT_DOUBLE_EQ(m.ranks[1].idle_s, 4.0);
  EXPECT_EQ(m.critical_rank, 0);
}

// A compute op the engine stretched (communication kernels held SMs) keeps its priced split: 2 s priced
// 1 : 1 that ran 3 s gives 1.5 s to each kind, and the kinds still sum to the rank's compute (conservation).
TEST(TimelineMetrics, AStretchedComputeOpKeepsItsSplitAndTheKindsSumToCompute) {
  WorkTags tags;
  models::ComputeKindSeconds split{};
  at(split, ComputeKind::kMlpGemm) = 1;
  at(split, ComputeKind::kQuantize) = 1;
  const int tag = tags.compute("mlp", split);
  EXPECT_EQ(tags.compute("mlp", split), tag);  // the same name and split: the same tag
  Timeline t;
  t.names = {"op"};
  t.events = {event(0, tag, 0.0, 3.0)};
  t.makespan_s = 3.0;
  const RankMetrics r = timeline_metrics(t, tags).ranks[0];
  EXPECT_DOUBLE_EQ(at(r.compute_by_kind_s, ComputeKind::kMlpGemm), 1.5);
  EXPECT_DOUBLE_EQ(at(r.compute_by_kind_s, ComputeKind::kQuantize), 1.5);
  double sum = 0;
  for (double s : r.compute_by_kind_s) sum += s;
  EXPECT_DOUBLE_EQ(sum, r.compute_s);
}

}  // namespace
}  // namespace trainsim::sim
