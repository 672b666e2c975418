// The timeline trace: one process per rank with compute and comm threads, events in microseconds.
#include "reports/timeline_trace.h"

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "trace_overlaps.h"

namespace trainsim::reports {
namespace {

TEST(TimelineTrace, OneProcessPerRankWithComputeAndCommThreads) {
  sim::Timeline timeline;
  timeline.names = {"F0", "P2P F0 s0>r1"};
  timeline.rank_names = {"stage 0 (GPU 0)"};
  timeline.tag_names = {"chunk", "pp"};  // the graph builder's names of its tags 0 and 1
  timeline.events = {{0, sim::Stream::kCompute, 0, 0, 0, 0.0, 0.002},
                     {0, sim::Stream::kComm, 1, 1, 0, 0.002, 0.0025},
                     {1, sim::Stream::kCompute, 0, 0, 0, 0.0025, 0.0045}};
  timeline.makespan_s = 0.0045;
  const auto trace = nlohmann::json::parse(timeline_trace_json(timeline));
  const auto& events = trace.at("traceEvents");
  int metadata = 0;
  std::vector<std::string> process_names;
  std::vector<nlohmann::json> ops;
  for (const auto& e : events) {
    if (e.at("ph") == "M") {
      ++metadata;
      if (e.at("name") == "process_name") process_names.push_back(e.at("args").at("name"));
    } else {
      ops.push_back(e);
    }
  }
  EXPECT_EQ(metadata, 2 * 6);  // per rank: process name and sort index; name and sort index of two threads
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[1].at("pid"), 0);
  EXPECT_EQ(ops[1].at("tid"), 1);
  EXPECT_EQ(process_names, (std::vector<std::string>{"stage 0 (GPU 0)", "rank 1"}));
  EXPECT_EQ(ops[1].at("name"), "P2P F0 s0>r1");
  EXPECT_EQ(ops[1].at("cat"), "pp");
  EXPECT_DOUBLE_EQ(ops[1].at("ts").get<double>(), 2000.0);
  EXPECT_DOUBLE_EQ(ops[1].at("dur").get<double>(), 500.0);
  EXPECT_EQ(ops[2].at("pid"), 1);
  EXPECT_EQ(ops[2].at("tid"), 0);
  EXPECT_EQ(timeline_trace_json(timeline), timeline_trace_json(timeline));  // deterministic
}

// Perfetto drops a slice that overlaps another of its thread: concurrent flows of one stream get lanes, and
// times rounded to the nanosecond never make a slice end after the next one starts.
TEST(TimelineTrace, NoTwoSlicesOfAThreadOverlap) {
  sim::Timeline timeline;
  timeline.names = {"flow a", "flow b", "flow c", "op 1", "op 2"};
  timeline.events = {{0, sim::Stream::kComm, 0, 0, 0, 0.0, 3e-6},  // three concurrent flows
                     {0, sim::Stream::kComm, 0, 1, 0, 1e-6, 4e-6},
                     {0, sim::Stream::kComm, 0, 2, 0, 2e-6, 5e-6},
                     // back to back at a time that is not a whole nanosecond: 1.0000004 us
                     {0, sim::Stream::kCompute, 0, 3, 0, 0.0, 1.0000004e-6},
                     {0, sim::Stream::kCompute, 0, 4, 0, 1.0000004e-6, 2e-6}};
  const std::string json = timeline_trace_json(timeline);
  const testing::TraceCheck check = testing::check_trace_overlaps(json);
  EXPECT_EQ(check.slices, 5);
  EXPECT_EQ(check.overlap_count, 0) << testing::describe(check);
  std::set<int> comm_threads;
  const nlohmann::json parsed = nlohmann::json::parse(json);
  for (const auto& e : parsed.at("traceEvents"))
    if (e.at("ph") == "X" && e.at("name").get<std::string>().starts_with("flow"))
      comm_threads.insert(e.at("tid").get<int>());
  EXPECT_EQ(comm_threads, (std::set<int>{1, 3, 5}));  // comm lanes 1, 2 and 3 are threads 1, 3 and 5
}

TEST(TimelineTrace, TheCheckerSeesAnOverlap) {
  // The checker itself, on a hand-written trace with one slice starting 1 ns before its neighbour ends.
  const std::string trace = R"({"traceEvents": [
    {"name": "a", "ph": "X", "pid": 0, "tid": 0, "ts": 0.000, "dur": 1.000},
    {"name": "b", "ph": "X", "pid": 0, "tid": 0, "ts": 0.999, "dur": 1.000},
    {"name": "c", "ph": "X", "pid": 0, "tid": 1, "ts": 0.999, "dur": 1.000}]})";
  const testing::TraceCheck check = testing::check_trace_overlaps(trace);
  EXPECT_EQ(check.slices, 3);
  ASSERT_EQ(check.overlap_count, 1);
  EXPECT_EQ(check.overlaps[0].later, "b");
  EXPECT_EQ(check.overlaps[0].later_start_ns, 999);
}

}  // namespace
}  // namespace trainsim::reports
