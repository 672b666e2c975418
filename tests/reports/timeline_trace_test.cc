// The timeline trace: one process per rank with compute and comm threads, events in microseconds.
#include "reports/timeline_trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  EXPECT_EQ(metadata, 2 * 4);  // per rank: process name, sort index, two thread names
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

}  // namespace
}  // namespace trainsim::reports
