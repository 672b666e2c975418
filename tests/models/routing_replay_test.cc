// Replay files: a good file read back, each malformed field a ConfigError naming file, line, column and field.
#include "models/routing_replay.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace trainsim::models {
namespace {

const std::vector<int> kLayers{1, 2};  // MoE layers of a toy model with 4 experts

TEST(RoutingReplay, ReadsCountsPerStepAndLayerAndReplaysStepsInTurn) {
  const std::string text =
      "# from run 17\n"
      "step,layer,expert,tokens\n"
      "0,1,0,5\n0,1,3,7\n0,2,1,4\n"
      "\n"
      "10, 1, 2, 9\n10,2,0,1\n";
  const RoutingReplay r = parse_routing_replay(text, "loads.csv", 4, kLayers);
  EXPECT_EQ(r.steps, (std::vector<int64_t>{0, 10}));
  EXPECT_EQ(r.at(1, 0), (std::vector<int64_t>{5, 0, 0, 7}));
  EXPECT_EQ(r.at(2, 0), (std::vector<int64_t>{0, 4, 0, 0}));
  EXPECT_EQ(r.at(1, 1), (std::vector<int64_t>{0, 0, 9, 0}));  // simulated step 1: the second listed step
  EXPECT_EQ(r.at(1, 2), r.at(1, 0));                          // and round again
}

// The message of the ConfigError parsing `text` throws.
std::string replay_error_of(const std::string& text) {
  try {
    parse_routing_replay(text, "loads.csv", 4, kLayers);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RoutingReplay, ErrorsNameFileLineColumnAndField) {
  EXPECT_NE(replay_error_of("step,layer,tokens\n").find("loads.csv:1:1: header"), std::string::npos) << replay_error_of("step,layer,tokens\n");
  const std::string head = "step,layer,expert,tokens\n";
  EXPECT_NE(replay_error_of(head + "0,1,0,x5\n").find("loads.csv:2:7: tokens: 'x5' is not an integer"), std::string::npos)
      << replay_error_of(head + "0,1,0,x5\n");
  EXPECT_NE(replay_error_of(head + "0,1,0\n").find("loads.csv:2:1: row: 3 fields"), std::string::npos);
  EXPECT_NE(replay_error_of(head + "0,1,0,-2\n").find("loads.csv:2:7: tokens: -2 is negative"), std::string::npos);
  EXPECT_NE(replay_error_of(head + "0,0,0,2\n").find("loads.csv:2:3: layer: layer 0 is not an MoE layer"), std::string::npos);
  EXPECT_NE(replay_error_of(head + "0,1,4,2\n").find("loads.csv:2:5: expert: expert 4 out of range (expected 0 .. 3"),
            std::string::npos);
  EXPECT_NE(replay_error_of(head + "0,1,1,2\n0,1,1,3\n").find("loads.csv:3:5: expert: step 0 layer 1 expert 1 listed twice"),
            std::string::npos);
  EXPECT_NE(replay_error_of(head + "0,1,1,2\n").find("step 0 lists no row for MoE layer 2"), std::string::npos);
  EXPECT_NE(replay_error_of(head).find("no rows"), std::string::npos);
  EXPECT_NE(replay_error_of("").find("no header"), std::string::npos);
}

TEST(RoutingReplay, MissingFileIsAnError) {
  EXPECT_THROW(load_routing_replay("/nonexistent/loads.csv", 4, kLayers), Error);
}

}  // namespace
}  // namespace trainsim::models
