// Which compute ops run as one execution (a chain on one GPU that nothing else enters or leaves), and where each
// op of a run ends as the GPU's speed changes under it: hand-counted cases.
#include "sim/engine/compute_runs.h"

#include <gtest/gtest.h>

namespace trainsim::sim {
namespace {

struct Chain {
  ActivityGraph graph;
  int compute(int gpu) { return graph.add_compute(gpu, 1.0, {gpu, graph.intern("op"), -1, 0}); }
  int flow(int from, int to) { return graph.add_flow(from, to, 1e6, {from, graph.intern("flow"), -1, 0}); }
};

std::vector<int> run_from(const ComputeRuns& runs, int head) {
  std::vector<int> out;
  for (int i = head; i >= 0; i = runs.next_in_run[static_cast<std::size_t>(i)]) out.push_back(i);
  return out;
}

TEST(ComputeRuns, AChainThatNothingEntersOrLeavesIsOneRun) {
  Chain c;
  const int a = c.compute(0), b = c.compute(0), d = c.compute(0);
  c.graph.add_dependency(a, b);  // explicit, as the step graph writes the stream order
  // d has no edge at all: the stream alone orders it after b, and it starts the instant b ends.
  const ComputeRuns runs = compute_runs(c.graph, 1);
  ASSERT_EQ(runs.heads_by_gpu[0], std::vector<int>{a});
  EXPECT_EQ(run_from(runs, a), (std::vector<int>{a, b, d}));
  EXPECT_FALSE(runs.inside_run[a]);
  EXPECT_TRUE(runs.inside_run[b]);
  EXPECT_TRUE(runs.inside_run[d]);
}

TEST(ComputeRuns, AnOpSomethingElseWaitsForEndsItsRun) {
  Chain c;
  const int a = c.compute(0), b = c.compute(0), d = c.compute(0);
  const int f = c.flow(0, 1);
  c.graph.add_dependency(b, f);  // a flow starts when b ends: b's end must be an event of its own
  const ComputeRuns runs = compute_runs(c.graph, 2);
  EXPECT_EQ(runs.heads_by_gpu[0], (std::vector<int>{a, d}));
  EXPECT_EQ(run_from(runs, a), (std::vector<int>{a, b}));
  EXPECT_EQ(runs.next_in_run[static_cast<std::size_t>(f)], -1);
  EXPECT_FALSE(runs.inside_run[f]);
}

TEST(ComputeRuns, AnOpThatWaitsForSomethingElseStartsARun) {
  Chain c;
  const int a = c.compute(0), b = c.compute(0);
  const int f = c.flow(1, 0);
  c.graph.add_dependency(f, b);  // b starts when both a and the flow are done
  const ComputeRuns runs = compute_runs(c.graph, 2);
  EXPECT_EQ(runs.heads_by_gpu[0], (std::vector<int>{a, b}));
  EXPECT_EQ(runs.next_in_run[a], -1);
}

TEST(ComputeRuns, AnEdgeThatSkipsTheNextOpSplitsBothEnds) {
  Chain c;
  const int a = c.compute(0), b = c.compute(0), d = c.compute(0);
  c.graph.add_dependency(a, d);  // a is waited for beyond b, and d waits for more than b
  const ComputeRuns runs = compute_runs(c.graph, 1);
  EXPECT_EQ(runs.heads_by_gpu[0], (std::vector<int>{a, b, d}));
}

TEST(ComputeRuns, EachGpuHasItsOwnStream) {
  Chain c;
  const int a0 = c.compute(0), a1 = c.compute(1), b0 = c.compute(0), b1 = c.compute(1);
  c.graph.add_dependency(a1, b0);  // across GPUs: b0 waits for GPU 1, a1 is waited for by GPU 0
  const ComputeRuns runs = compute_runs(c.graph, 2);
  EXPECT_EQ(runs.heads_by_gpu[0], (std::vector<int>{a0, b0}));
  EXPECT_EQ(runs.heads_by_gpu[1], (std::vector<int>{a1, b1}));
}

TEST(ComputeRuns, OpsEndWhereTheGpusSpeedPutsTheirWork) {
  // Three 1 s ops from t = 0; half speed from 0.5 s to 1.5 s. Op 1: 0.5 s of work by 0.5, the other 0.5 at half
  // speed takes 1 s: ends at 1.5. Op 2: full speed again, ends at 2.5; op 3 at 3.5.
  const std::vector<double> ends = op_ends_in_run_s({1, 1, 1}, 0, 1, {{0.5, 0.5}, {1.5, 1}});
  ASSERT_EQ(ends.size(), 3u);
  EXPECT_DOUBLE_EQ(ends[0], 1.5);
  EXPECT_DOUBLE_EQ(ends[1], 2.5);
  EXPECT_DOUBLE_EQ(ends[2], 3.5);
  // Started slowed (0.25) at t = 2, full speed from t = 3: op 1 (0.5 s of work) does 0.25 by t = 3, then 0.25
  // more at full speed: 3.25. A change before the start and one after the last end change nothing.
  const std::vector<double> slowed = op_ends_in_run_s({0.5, 0.25}, 2, 0.25, {{1, 0.5}, {3, 1}, {9, 0.5}});
  ASSERT_EQ(slowed.size(), 2u);
  EXPECT_DOUBLE_EQ(slowed[0], 3.25);
  EXPECT_DOUBLE_EQ(slowed[1], 3.5);
  // A zero-length op ends where it starts; a change exactly at an op's end leaves it there.
  const std::vector<double> edge = op_ends_in_run_s({1, 0, 1}, 0, 1, {{1, 0.5}});
  EXPECT_DOUBLE_EQ(edge[0], 1);
  EXPECT_DOUBLE_EQ(edge[1], 1);
  EXPECT_DOUBLE_EQ(edge[2], 3);
}

}  // namespace
}  // namespace trainsim::sim
