// The slice of the cluster a graph uses: its GPUs and its flows' (source, destination) pairs, each once and in
// ascending order, whatever order the activities were added in.
#include "sim/engine/activity_graph.h"

#include <gtest/gtest.h>

namespace trainsim::sim {
namespace {

TEST(ActivityGraph, ItsGpusAndFlowPairsAreDistinctAndAscending) {
  ActivityGraph graph;
  const int name = graph.intern("op");
  graph.add_compute(9, 1.0, {0, name, -1, 0});
  graph.add_flow(5, 2, 1e3, {0, name, -1, 0});
  graph.add_flow(5, 2, 1e3, {0, name, -1, 0});  // the same pair again
  graph.add_flow(2, 5, 1e3, {0, name, -1, 0});  // the reverse is another route
  graph.add_compute(2, 1.0, {0, name, -1, 0});
  graph.add_flow(9, 0, 1e3, {0, name, -1, 0});
  EXPECT_EQ(graph.gpus(), (std::vector<int>{0, 2, 5, 9}));
  EXPECT_EQ(graph.flow_pairs(), (std::vector<std::pair<int, int>>{{2, 5}, {5, 2}, {9, 0}}));
  EXPECT_TRUE(ActivityGraph().gpus().empty());
  EXPECT_TRUE(ActivityGraph().flow_pairs().empty());
}

}  // namespace
}  // namespace trainsim::sim
