// The Chrome trace is valid JSON with one named track per rank and one complete event per op at its times.
#include "reports/schedule_trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim/schedules/schedule_request.h"

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
    EXPECT_DOUBLE_EQ(e["ts"].get<double>(), run.timings[r][i].start_s * 1e6);
    EXPECT_DOUBLE_EQ(e["dur"].get<double>(), (run.timings[r][i].end_s - run.timings[r][i].start_s) * 1e6);
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

}  // namespace
}  // namespace trainsim::reports
