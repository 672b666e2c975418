// The rounds of a pipeline's messages (message_rounds.h), worked by hand on small plans; that they keep every
// schedule from hanging on NCCL's sends is pipeline_parallel_step_test's to show.
#include "kernels/model/message_rounds.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::kernels::model {
namespace {

constexpr PipelinePass F = PipelinePass::kForward, B = PipelinePass::kBackward;

// 1F1B on 2 stages, 2 micro-batches: rank 0 F0 F1 B0 B1, rank 1 F0 B0 F1 B1.
PipelinePlan one_f_one_b_2x2() {
  return {PipelineRankPlan{{{F, 0, 0}, {F, 1, 0}, {B, 0, 0}, {B, 1, 0}}, {0}},
          PipelineRankPlan{{{F, 0, 0}, {B, 0, 0}, {F, 1, 0}, {B, 1, 0}}, {1}}};
}

TEST(MessageRounds, OneFOneBOnTwoStagesByHand) {
  // Unit-time ASAP, by hand: rank 0 F0 [0,1], F1 [1,2]; rank 1 F0 [1,2] (after rank 0's F0), B0 [2,3], F1 [3,4]
  // (after its B0; rank 0's F1 ended at 2), B1 [4,5]; rank 0 B0 [3,4] (after rank 1's B0), B1 [5,6] (after rank 1's
  // B1). Messages: F0 to stage 1 ready at 1, F1 at 2; B0's gradient to stage 0 at 3, B1's at 5.
  const PipelinePlan plan = one_f_one_b_2x2();
  const std::vector<std::vector<MessageRound>> rank0 = message_rounds(plan, 0);
  ASSERT_EQ(rank0.size(), 5u);
  EXPECT_TRUE(rank0[0].empty());
  ASSERT_EQ(rank0[1].size(), 1u);  // before F1 (starts at 1): round 1, F0's send
  EXPECT_EQ(rank0[1][0].time, 1);
  EXPECT_EQ(rank0[1][0].sends, (std::vector<StageMessage>{{F, 0, 1, 1}}));
  EXPECT_TRUE(rank0[1][0].receives.empty());
  ASSERT_EQ(rank0[2].size(), 2u);  // before B0 (starts at 3): round 2 (F1's send), round 3 (B0's gradient)
  EXPECT_EQ(rank0[2][0].time, 2);
  EXPECT_EQ(rank0[2][0].sends, (std::vector<StageMessage>{{F, 1, 1, 1}}));
  EXPECT_EQ(rank0[2][1].time, 3);
  EXPECT_EQ(rank0[2][1].receives, (std::vector<StageMessage>{{B, 0, 0, 1}}));
  ASSERT_EQ(rank0[3].size(), 1u);  // before B1 (starts at 5): round 5
  EXPECT_EQ(rank0[3][0].time, 5);
  EXPECT_EQ(rank0[3][0].receives, (std::vector<StageMessage>{{B, 1, 0, 1}}));
  EXPECT_TRUE(rank0[4].empty());

  const std::vector<std::vector<MessageRound>> rank1 = message_rounds(plan, 1);
  ASSERT_EQ(rank1.size(), 5u);
  ASSERT_EQ(rank1[0].size(), 1u);  // before F0 (starts at 1): round 1
  EXPECT_EQ(rank1[0][0].receives, (std::vector<StageMessage>{{F, 0, 1, 0}}));
  ASSERT_EQ(rank1[1].size(), 1u);  // before B0 (starts at 2): round 2, F1's input ahead of need (F1 starts at 3)
  EXPECT_EQ(rank1[1][0].time, 2);
  EXPECT_EQ(rank1[1][0].receives, (std::vector<StageMessage>{{F, 1, 1, 0}}));
  ASSERT_EQ(rank1[2].size(), 1u);  // before F1 (starts at 3): round 3, B0's send
  EXPECT_EQ(rank1[2][0].sends, (std::vector<StageMessage>{{B, 0, 0, 0}}));
  EXPECT_TRUE(rank1[3].empty());
  ASSERT_EQ(rank1[4].size(), 1u);  // after the last op: round 5, B1's send
  EXPECT_EQ(rank1[4][0].time, 5);
  EXPECT_EQ(rank1[4][0].sends, (std::vector<StageMessage>{{B, 1, 0, 0}}));
}

TEST(MessageRounds, AStageHandsItsOutputToItsOwnRankWhereItHoldsTheNext) {
  // DualPipeV's bottom of the V on one rank: stage 0 on lane 0, stage 1 on lane 1. F0 [0,1] then F0 of stage 1 [1,2]
  // after it; B0 of stage 1 [2,3], B0 of stage 0 [3,4]. The rank sends to itself and receives from itself in one
  // round, rounds 1 and 3.
  const PipelinePlan plan = {PipelineRankPlan{{{F, 0, 0}, {F, 0, 1}, {B, 0, 1}, {B, 0, 0}}, {0, 1}}};
  const std::vector<std::vector<MessageRound>> rounds = message_rounds(plan, 0);
  ASSERT_EQ(rounds[1].size(), 1u);
  EXPECT_EQ(rounds[1][0].sends, (std::vector<StageMessage>{{F, 0, 1, 0}}));
  EXPECT_EQ(rounds[1][0].receives, (std::vector<StageMessage>{{F, 0, 1, 0}}));
  ASSERT_EQ(rounds[3].size(), 1u);
  EXPECT_EQ(rounds[3][0].time, 3);
  EXPECT_EQ(rounds[3][0].sends, (std::vector<StageMessage>{{B, 0, 0, 0}}));
  EXPECT_TRUE(rounds[0].empty() && rounds[2].empty() && rounds[4].empty());
}

TEST(MessageRounds, ASplitBackwardSendsFromItsBackwardForTheInputsAndNothingFromItsWeightGradients) {
  // ZB1P's split on 2 stages, 1 micro-batch: each rank F0, Bi0, W0. Unit-time ASAP: rank 0 F [0,1]; rank 1 F [1,2],
  // Bi [2,3], W [3,4]; rank 0 Bi [3,4] (after rank 1's Bi), W [4,5]. Messages: the activation at 1, the gradient at
  // 3 (rank 1's Bi); no W sends anything.
  constexpr PipelinePass Bi = PipelinePass::kBackwardInput, W = PipelinePass::kBackwardWeight;
  const PipelinePlan plan = {PipelineRankPlan{{{F, 0, 0}, {Bi, 0, 0}, {W, 0, 0}}, {0}},
                             PipelineRankPlan{{{F, 0, 0}, {Bi, 0, 0}, {W, 0, 0}}, {1}}};
  const std::vector<std::vector<MessageRound>> rank0 = message_rounds(plan, 0), rank1 = message_rounds(plan, 1);
  ASSERT_EQ(rank0[1].size(), 2u);  // before Bi (starts at 3): rounds 1 and 3
  EXPECT_EQ(rank0[1][0].sends, (std::vector<StageMessage>{{F, 0, 1, 1}}));
  EXPECT_EQ(rank0[1][1].receives, (std::vector<StageMessage>{{B, 0, 0, 1}}));  // a Bi's gradient is a backward's
  EXPECT_TRUE(rank0[0].empty() && rank0[2].empty() && rank0[3].empty());
  ASSERT_EQ(rank1[0].size(), 1u);
  EXPECT_EQ(rank1[0][0].receives, (std::vector<StageMessage>{{F, 0, 1, 0}}));
  ASSERT_EQ(rank1[2].size(), 1u);  // before W (starts at 3): round 3, Bi's send
  EXPECT_EQ(rank1[2][0].time, 3);
  EXPECT_EQ(rank1[2][0].sends, (std::vector<StageMessage>{{B, 0, 0, 0}}));
  EXPECT_TRUE(rank1[1].empty() && rank1[3].empty());
}

void expect_refused(const PipelinePlan& plan, const std::string& says) {
  try {
    message_rounds(plan, 0);
    ADD_FAILURE() << "accepted; expected: " << says;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
}

TEST(MessageRounds, APlanThatIsNotOnePipelineIsRefusedNamingTheOp) {
  PipelinePlan cycle = one_f_one_b_2x2();  // rank 1 runs F1 first, whose input rank 0 sends after B0, which waits on it
  cycle[0].ops = {{F, 0, 0}, {B, 0, 0}, {F, 1, 0}, {B, 1, 0}};
  cycle[1].ops = {{F, 1, 0}, {F, 0, 0}, {B, 0, 0}, {B, 1, 0}};
  expect_refused(cycle,
                 "the ranks wait on each other: rank 0's backward of micro-batch 0 on stage 0 waits for the "
                 "backward of micro-batch 0 on stage 1");
  PipelinePlan missing = one_f_one_b_2x2();  // rank 1 never runs micro-batch 1's backward
  missing[1].ops.pop_back();
  expect_refused(missing,
                 "the backward of micro-batch 1 on stage 0 takes its input from the backward of micro-batch 1 "
                 "on stage 1, which no rank runs");
  PipelinePlan twice = one_f_one_b_2x2();
  twice[1].stage_of_lane = {0};
  expect_refused(twice, "runs twice");
  PipelinePlan no_lane = one_f_one_b_2x2();
  no_lane[0].ops[0].lane = 1;
  expect_refused(no_lane, "lane 1, which holds no stage");
  EXPECT_THROW(message_rounds(one_f_one_b_2x2(), 2), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model
