// The ideal executor against the published bubble formulas where they are exact (F = B-W = W): 1F1B, ZB1P,
// DualPipe, DualPipeV for pp 4..32 and several micro-batch counts, GPipe, interleaved; activation peaks;
// per-stage times, P2P latency and the estimate case F != W.
#include "sim/schedules/schedule_run.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/schedules/bubble_formula.h"
#include "sim/schedules/schedule_request.h"

namespace trainsim::sim {
namespace {

constexpr ChunkTimes kExact{1.0, 2.0, 1.0, 3.0};  // F = B-W = W; F&B = F+B (no overlap gain)

ScheduleRun run(ScheduleKind kind, int pp, int m, const ChunkTimes& times = kExact, int v = 2) {
  return run_schedule(make_schedule({kind, pp, m, v}), {times});
}

TEST(ScheduleRun, PublishedFormulasAreExactWhenForwardEqualsWeightEqualsBackwardInput) {
  for (ScheduleKind kind : {ScheduleKind::kOneFOneB, ScheduleKind::kZeroBubble1P, ScheduleKind::kDualPipe,
                            ScheduleKind::kDualPipeV, ScheduleKind::kGPipe})
    for (int pp : {4, 8, 16, 32})
      for (int m : {2 * pp, 2 * pp + 2, 3 * pp, 4 * pp}) {
        const ScheduleRun r = run(kind, pp, m);
        const double expected = published_bubble_s(kind, kExact, pp, 1);
        EXPECT_DOUBLE_EQ(r.bubble_s, expected) << schedule_name(kind) << " pp " << pp << " m " << m;
        // Every rank equally busy: the bubble is the makespan beyond the per-rank compute.
        for (double idle : r.idle_s) EXPECT_DOUBLE_EQ(idle, expected);
        const int chunks_per_rank = m * pp / devices_for_stages(kind, pp);
        EXPECT_DOUBLE_EQ(r.makespan_s, chunks_per_rank * 3.0 + expected);
      }
}

TEST(ScheduleRun, DualPipeBubbleDoesNotGrowWithMicrobatches) {
  for (const ChunkTimes& times : {kExact, ChunkTimes{1.0, 2.0, 1.0, 2.4}, ChunkTimes{1.3, 2.5, 0.7, 3.1}}) {
    const double bubble = run(ScheduleKind::kDualPipe, 8, 16, times).bubble_s;
    for (int m : {18, 20, 32, 64}) EXPECT_NEAR(run(ScheduleKind::kDualPipe, 8, m, times).bubble_s, bubble, 1e-9);
  }
}

// From a pair that hides all of the shorter chunk (F&B = max(F, B)) to no overlap at all (F&B = F+B).
TEST(ScheduleRun, DualPipeFormulaHoldsForEveryPhysicalOverlap) {
  for (double overlapped : {2.0, 2.25, 2.5, 2.75, 3.0})
    for (int pp : {4, 8, 16}) {
      const ChunkTimes times{1.0, 2.0, 1.0, overlapped};
      EXPECT_DOUBLE_EQ(run(ScheduleKind::kDualPipe, pp, 3 * pp, times).bubble_s,
                       published_bubble_s(ScheduleKind::kDualPipe, times, pp, 1));
      EXPECT_DOUBLE_EQ(run(ScheduleKind::kDualPipeV, pp, 3 * pp, times).bubble_s,
                       published_bubble_s(ScheduleKind::kDualPipeV, times, pp, 1));
    }
}

TEST(ScheduleRun, InterleavedBubbleIsOneFOneBOverV) {
  for (int v : {2, 3, 4})
    for (int pp : {4, 8, 16})
      for (int m : {pp, 2 * pp, 4 * pp})
        EXPECT_NEAR(run(ScheduleKind::kInterleaved, pp, m, kExact, v).bubble_s, (pp - 1) * 3.0 / v, 1e-9)
            << "v " << v << " pp " << pp << " m " << m;
}

TEST(ScheduleRun, InterleavedRanksRunTheirOwnDevicesChunks) {
  // Per-device chunk times (each device's v stages together): every rank is busy m x (F + B) of its own
  // device, whichever lane a chunk is on. Rank r's second lane is virtual stage pp + r, not model stage
  // (pp + r) / v (the mapping fixed after a mutant scenario tripped the closed form's check).
  const int pp = 4, m = 8, v = 2;
  std::vector<ChunkTimes> devices;
  for (int d = 0; d < pp; ++d) devices.push_back({1.0 + d, 2.0 + 2 * d, 1.0 + d, 3.0 + 3 * d});
  const ScheduleRun r = run_schedule(make_schedule({ScheduleKind::kInterleaved, pp, m, v}), devices);
  for (int d = 0; d < pp; ++d)
    EXPECT_NEAR(r.busy_s[static_cast<std::size_t>(d)], m * (devices[d].forward_s + devices[d].backward_s), 1e-9)
        << "rank " << d;
}

TEST(ScheduleRun, DualPipesFAndBOfUnlikeChunksIsTheirSumWhereNothingOverlaps) {
  // Stages of different sizes with nothing to overlap (F&B = F + B, as with EP 1): DualPipe's rank r runs m/2
  // micro-batches through stage r and m/2 through stage pp-1-r, so it is busy m/2 (F + B) of each, whichever
  // chunks its F&B ops pair (a scenario mutant tripped the closed form's check when they were averaged).
  const int pp = 4, m = 8;
  std::vector<ChunkTimes> stages;
  for (int s = 0; s < pp; ++s) {
    const double f = 1.0 + s, b = 2.0 * (1.0 + s);
    stages.push_back({f, b, b / 2, f + b});
  }
  const ScheduleRun r = run_schedule(make_schedule({ScheduleKind::kDualPipe, pp, m, 1}), stages);
  for (int rank = 0; rank < pp; ++rank) {
    const ChunkTimes& a = stages[static_cast<std::size_t>(rank)];
    const ChunkTimes& b = stages[static_cast<std::size_t>(pp - 1 - rank)];
    EXPECT_NEAR(r.busy_s[static_cast<std::size_t>(rank)], m / 2.0 * (a.forward_s + a.backward_s + b.forward_s + b.backward_s),
                1e-9)
        << "rank " << rank;
  }
}

// A paired schedule's rank is busy for its warm-up forwards, its F&B pairs and its drained backwards: with F 1,
// B 2 and F&B 2 (the forward hidden under the backward), warm-up x 1 + (chunks - warm-up) x 2 + warm-up x 2 =
// 2 x chunks + warm-up, on interleaved pp 4 x v 2 with 8 micro-batches (16 chunks a rank, warm-up 2 (4 - r - 1) + 5),
// each chunk half of its rank's layers (v 2), so half those times.
TEST(ScheduleRun, PairedInterleavedRanksAreBusyForTheirPairsAndTheirWarmUp) {
  const ScheduleRun r =
      run_schedule(make_schedule({ScheduleKind::kInterleaved, 4, 8, 2, true}), {{1.0, 2.0, 1.0, 2.0}});
  for (int rank = 0; rank < 4; ++rank)
    EXPECT_DOUBLE_EQ(r.busy_s[rank], (2.0 * 16 + 2 * (4 - rank - 1) + 5) / 2) << rank;
  // Pairing can only shorten the step where F&B beats F + B: at F&B = F + B it is never shorter than unpaired.
  const ScheduleRun unpaired = run_schedule(make_schedule({ScheduleKind::kInterleaved, 4, 8, 2}), {kExact});
  EXPECT_GE(run_schedule(make_schedule({ScheduleKind::kInterleaved, 4, 8, 2, true}), {kExact}).makespan_s + 1e-9,
            unpaired.makespan_s);
}

TEST(ScheduleRun, ActivationPeaksArePpAndPpPlusOne) {
  for (int pp : {4, 8, 16, 32}) {
    EXPECT_DOUBLE_EQ(run(ScheduleKind::kOneFOneB, pp, 2 * pp).max_peak_activations(), pp);
    EXPECT_DOUBLE_EQ(run(ScheduleKind::kZeroBubble1P, pp, 2 * pp).max_peak_activations(), pp);
    EXPECT_DOUBLE_EQ(run(ScheduleKind::kDualPipe, pp, 2 * pp).max_peak_activations(), pp + 1);
    EXPECT_DOUBLE_EQ(run(ScheduleKind::kDualPipeV, pp, 2 * pp).max_peak_activations(), pp + 1);
    EXPECT_DOUBLE_EQ(run(ScheduleKind::kGPipe, pp, 2 * pp).max_peak_activations(), 2 * pp);
  }
  // 1F1B: rank r holds pp - r.
  const ScheduleRun r = run(ScheduleKind::kOneFOneB, 4, 8);
  EXPECT_EQ(r.peak_activations, (std::vector<double>{4, 3, 2, 1}));
}

TEST(ScheduleRun, ParameterCopiesAndDevices) {
  EXPECT_EQ(run(ScheduleKind::kDualPipe, 8, 20).parameter_copies, 2);
  EXPECT_EQ(run(ScheduleKind::kDualPipeV, 8, 20).parameter_copies, 2);
  EXPECT_EQ(run(ScheduleKind::kDualPipeV, 8, 20).busy_s.size(), 4u);
  EXPECT_EQ(run(ScheduleKind::kOneFOneB, 8, 20).parameter_copies, 1);
}

// Where the formula is only an estimate the executed figures are checked against the event engine, an
// independent implementation (tests/sim/step/pipeline_graph_test.cc); here, the laws they must obey.
TEST(ScheduleRun, AnOverlapSlowerThanSerialBreaksTheDualPipeFormula) {
  const ChunkTimes times{1.0, 2.0, 1.0, 3.5};  // F&B > F+B: the pairs would be better run apart
  EXPECT_FALSE(published_bubble_is_exact(ScheduleKind::kDualPipe, times));
  EXPECT_DOUBLE_EQ(published_bubble_s(ScheduleKind::kDualPipe, times, 8, 1), 3 * (3.5 + 2 - 3));
  const PipelineSchedule schedule = make_schedule({ScheduleKind::kDualPipe, 8, 24, 2});
  const ScheduleRun slow = run_schedule(schedule, {times});
  // Monotonicity: a slower pair cannot shorten the step (F&B = 3 gives 24 x 3 + 6 = 78 s, the exact case).
  EXPECT_GE(slow.makespan_s, run(ScheduleKind::kDualPipe, 8, 24).makespan_s);
  EXPECT_DOUBLE_EQ(run(ScheduleKind::kDualPipe, 8, 24).makespan_s, 24 * 3.0 + 6);
  // Conservation: each rank's busy time is its ops' durations summed; the bubble is the largest idle rest.
  double largest_idle = 0;
  for (int rank = 0; rank < schedule.ranks(); ++rank) {
    double busy = 0;
    for (const ScheduleOp& op : schedule.ops(rank))
      busy += op.phase == Phase::kForward ? 1.0 : op.phase == Phase::kBackward ? 2.0
            : op.phase == Phase::kBackwardInput ? 1.0 : op.phase == Phase::kWeight ? 1.0 : 3.5;
    EXPECT_DOUBLE_EQ(slow.busy_s[rank], busy) << "rank " << rank;
    largest_idle = std::max(largest_idle, slow.makespan_s - busy);
  }
  EXPECT_DOUBLE_EQ(slow.bubble_s, largest_idle);
}

TEST(ScheduleRun, WhenForwardDiffersFromWeightTheDualPipeFormulaIsAnEstimate) {
  const ChunkTimes times{1.5, 2.0, 0.8, 2.6};
  EXPECT_FALSE(published_bubble_is_exact(ScheduleKind::kDualPipe, times));
  EXPECT_NEAR(published_bubble_s(ScheduleKind::kDualPipe, times, 8, 1), 3 * (2.6 + 2 - 2.4), 1e-12);  // 6.6
  // Still as published: the executed bubble does not grow with the micro-batches (exactly: the steady
  // state adds whole pairs to every rank alike).
  const double bubble = run(ScheduleKind::kDualPipe, 8, 16, times).bubble_s;
  for (int m : {20, 24, 40}) EXPECT_NEAR(run(ScheduleKind::kDualPipe, 8, m, times).bubble_s, bubble, 1e-9) << m;
}

// GPipe pays the latency once per stage boundary on the way down and once on the way back. 1F1B pays more:
// with only pp micro-batches in flight its steady state waits for each round trip.
TEST(ScheduleRun, P2PLatencyAddsToTheBubble) {
  const double latency_s = 0.25;
  const ScheduleRun gpipe = run_schedule(make_schedule({ScheduleKind::kGPipe, 4, 8, 2}), {kExact}, latency_s);
  EXPECT_DOUBLE_EQ(gpipe.bubble_s, 3 * (3.0 + 2 * latency_s));
  const ScheduleRun one_f_one_b = run_schedule(make_schedule({ScheduleKind::kOneFOneB, 4, 8, 2}), {kExact}, latency_s);
  EXPECT_GE(one_f_one_b.bubble_s, gpipe.bubble_s);
}

TEST(ScheduleRun, AHeavierLastStageShows) {
  std::vector<ChunkTimes> stages(4, kExact);
  stages.back() = {2.0, 4.0, 2.0, 6.0};
  const ScheduleRun r = run_schedule(make_schedule({ScheduleKind::kOneFOneB, 4, 8, 2}), stages);
  EXPECT_DOUBLE_EQ(r.busy_s[3], 8 * 6.0);
  EXPECT_DOUBLE_EQ(r.busy_s[0], 8 * 3.0);
  // The last stage sets the pace: 8 of its cycles plus the fill and drain of the three fast stages.
  EXPECT_DOUBLE_EQ(r.makespan_s, 8 * 6.0 + 3 * 3.0);
  // DualPipe runs stage 3 on ranks 3 (direction a) and 0 (direction b): both end ranks carry it.
  std::vector<ChunkTimes> dual(4, kExact);
  dual.back() = {2.0, 4.0, 2.0, 6.0};
  const ScheduleRun d = run_schedule(make_schedule({ScheduleKind::kDualPipe, 4, 8, 2}), dual);
  EXPECT_DOUBLE_EQ(d.busy_s[0], d.busy_s[3]);
  EXPECT_GT(d.busy_s[0], d.busy_s[1]);
}

TEST(ScheduleRun, TimingsFollowTheOrderOnEachRank) {
  const PipelineSchedule schedule = make_schedule({ScheduleKind::kDualPipe, 8, 20, 2});
  const ScheduleRun r = run_schedule(schedule, {kExact});
  for (int rank = 0; rank < schedule.ranks(); ++rank) {
    ASSERT_EQ(r.timings[rank].size(), schedule.ops(rank).size());
    for (std::size_t i = 1; i < r.timings[rank].size(); ++i)
      EXPECT_LE(r.timings[rank][i - 1].end_s, r.timings[rank][i].start_s);
  }
}

}  // namespace
}  // namespace trainsim::sim
