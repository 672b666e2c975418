// The timeline trace: one process per rank with compute and comm threads, events in microseconds.
#include "reports/timeline_trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace trainsim::reports {
namespace {

TEST(TimelineTrace, OneProcessPerRankWithComputeAndCommThreads) {
  sim::Timeline timeline;
  timeline.events = {{0, sim::Stream::kCompute, "F0", 0, 0.0, 0.002},
                     {0, sim::Stream::kComm, "P2P F0 s0>r1", 0, 0.002, 0.0025},
                     {1, sim::Stream::kCompute, "F0", 0, 0.0025, 0.0045}};
  timeline.makespan_s = 0.0045;
  const auto trace = nlohmann::json::parse(timeline_trace_json(timeline));
  const auto& events = trace.at("traceEvents");
  int metadata = 0;
  std::vector<nlohmann::json> ops;
  for (const auto& e : events) {
    if (e.at("ph") == "M")
      ++metadata;
    else
      ops.push_back(e);
  }
  EXPECT_EQ(metadata, 2 * 4);  // per rank: process name, sort index, two thread names
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[1].at("pid"), 0);
  EXPECT_EQ(ops[1].at("tid"), 1);
  EXPECT_EQ(ops[1].at("cat"), "comm");
  EXPECT_DOUBLE_EQ(ops[1].at("ts").get<double>(), 2000.0);
  EXPECT_DOUBLE_EQ(ops[1].at("dur").get<double>(), 500.0);
  EXPECT_EQ(ops[2].at("pid"), 1);
  EXPECT_EQ(ops[2].at("tid"), 0);
  EXPECT_EQ(timeline_trace_json(timeline), timeline_trace_json(timeline));  // deterministic
}

}  // namespace
}  // namespace trainsim::reports
