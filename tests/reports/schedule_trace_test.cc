// The Chrome trace is valid JSON with one named track per rank and one complete event per op at its times.
#include "reports/schedule_trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim/schedules/schedule_request.h"
#include "trace_overlaps.h"

namespace trainsim::reports {
namespace {

TEST(ScheduleTrace, OneTrackPerRankAndOneEventPerOp) {
  const sim::PipelineSchedule schedule = sim::make_schedule({sim::ScheduleKind::kDualPipeV, 8, 10, 2});
  const sim::ScheduleRun run = sim::run_schedule(schedule, {sim::ChunkTimes{1.0, 2.0, 1.0, 2.5}});
  const nlohmann::json trace = nlohmann::json::parse(schedule_trace_json(schedule, run));
  ASSERT_TRUE(trace.contains("traceEvents"));
  int tracks = 0;
  std::vector<int> per_rank(static_cast<std::size_t>(schedule.ranks()), 0);
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") {
      EXPECT_EQ(e["args"]["name"], "rank " + std::to_string(e["tid"].get<int>()));
      ++tracks;
      continue;
    }
    if (e["ph"] != "X") continue;
    const int r = e["tid"];
    const auto i = e["args"]["index"].get<std::size_t>();
    ++per_rank[r];
    EXPECT_EQ(e["name"], sim::format_op(schedule.ops(r)[i], schedule.lanes()));
    // Times are whole nanoseconds: within half a nanosecond (5e-4 us) of the run's.
    EXPECT_NEAR(e["ts"].get<double>(), run.timings[r][i].start_s * 1e6, 5e-4);
    EXPECT_NEAR(e["dur"].get<double>(), (run.timings[r][i].end_s - run.timings[r][i].start_s) * 1e6, 1e-3);
  }
  EXPECT_EQ(tracks, schedule.ranks());
  for (int r = 0; r < schedule.ranks(); ++r) EXPECT_EQ(per_rank[r], static_cast<int>(schedule.ops(r).size()));
}

TEST(ScheduleTrace, FAndBEventsNameBothHalves) {
  const sim::PipelineSchedule schedule = sim::make_schedule({sim::ScheduleKind::kDualPipe, 4, 8, 2});
  const nlohmann::json trace =
      nlohmann::json::parse(schedule_trace_json(schedule, sim::run_schedule(schedule, {sim::ChunkTimes{}})));
  bool found = false;
  for (const auto& e : trace["traceEvents"])
    if (e.value("cat", "") == "F&B") {
      found = true;
      EXPECT_TRUE(e["args"].contains("backward_microbatch"));
    }
  EXPECT_TRUE(found);
}

// Every schedule's trace opens in Perfetto whole: no two ops of a rank's track overlap, with chunk times
// and a transfer latency that are not whole nanoseconds.
TEST(ScheduleTrace, NoTwoSlicesOfATrackOverlapForAnySchedule) {
  const sim::ChunkTimes times{1.0000000004e-3, 2.0000000007e-3, 0.7000000003e-3, 2.6000000001e-3};
  for (sim::ScheduleKind kind : sim::kAllScheduleKinds) {
    const int virtual_stages = kind == sim::ScheduleKind::kInterleaved ? 2 : 1;
    const sim::PipelineSchedule schedule = sim::make_schedule({kind, 8, 16, virtual_stages});
    const sim::ScheduleRun run = sim::run_schedule(schedule, {times}, 3.3333e-6);
    const testing::TraceCheck check = testing::check_trace_overlaps(schedule_trace_json(schedule, run));
    EXPECT_GT(check.slices, 0) << sim::schedule_name(kind);
    EXPECT_EQ(check.overlap_count, 0) << sim::schedule_name(kind) << ": " << testing::describe(check);
  }
}

}  // namespace
}  // namespace trainsim::reports
