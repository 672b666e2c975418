// A pipeline rank's messages held and served in their rounds (pipeline_messages.h), on two in-process ranks under
// NCCL's rendezvous sends.
#include "kernels/model/pipeline_messages.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "kernels/model/thread_communicator.h"

namespace trainsim::kernels::model {
namespace {

constexpr PipelinePass Fwd = PipelinePass::kForward, Bwd = PipelinePass::kBackward;

TEST(PipelineMessages, HoldsAStagesSendForItsRoundAndServesTheReceiveItPostedAhead) {
  std::vector<double> forward_input, backward_input, sum(2);
  run_ranks_on_threads(
      2,
      [&](Communicator& peers) {
        PipelineMessages messages(peers);
        if (peers.rank() == 0) {  // stage 0: F0, then B0
          messages.start_op(Fwd, 0, 0);
          messages.send(1, std::vector<double>{1.0, 2.0});  // held: a rendezvous send would wait here for ever
          messages.post(MessageRound{1, {{Fwd, 0, 1, 1}}, {}});
          messages.post(MessageRound{3, {}, {{Bwd, 0, 0, 1}}});
          messages.start_op(Bwd, 0, 0);
          backward_input = messages.receive(1);
        } else {  // stage 1: F0, B0
          messages.post(MessageRound{1, {}, {{Fwd, 0, 1, 0}}});
          messages.start_op(Fwd, 0, 1);
          forward_input = messages.receive(0);
          messages.start_op(Bwd, 0, 1);
          messages.send(0, std::vector<double>{3.0});
          messages.post(MessageRound{3, {{Bwd, 0, 0, 0}}, {}});
        }
        messages.check_all_delivered();
        std::vector<double> values = {double(peers.rank()), 1.0};  // collectives pass through
        messages.all_reduce_sum(values);
        if (peers.rank() == 0) sum = values;
      },
      SendCompletion::kRendezvous);
  EXPECT_EQ(forward_input, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(backward_input, (std::vector<double>{3.0}));
  EXPECT_EQ(sum, (std::vector<double>{1.0, 2.0}));
}

TEST(PipelineMessages, APlanAndAModelThatDisagreeAreReported) {
  run_ranks_on_threads(1, [](Communicator& peers) {
    {
      PipelineMessages messages(peers);
      messages.start_op(Fwd, 0, 1);
      EXPECT_THROW(messages.receive(0), std::logic_error);  // no round brought it
    }
    {
      PipelineMessages messages(peers);
      EXPECT_THROW(messages.post(MessageRound{1, {{Fwd, 0, 1, 0}}, {}}), std::logic_error);  // the stage sent nothing
    }
    {
      PipelineMessages messages(peers);
      messages.start_op(Fwd, 0, 0);
      messages.send(0, std::vector<double>{1.0});
      EXPECT_THROW(messages.post(MessageRound{1, {{Fwd, 0, 1, 3}}, {}}), std::logic_error);  // to another rank
      EXPECT_THROW(messages.check_all_delivered(), std::logic_error);                        // still held
      messages.post(MessageRound{1, {{Fwd, 0, 1, 0}}, {{Fwd, 0, 1, 0}}});  // to itself, as DualPipeV's V turns
      EXPECT_THROW(messages.check_all_delivered(), std::logic_error);      // received, never taken
      messages.start_op(Fwd, 0, 1);
      EXPECT_EQ(messages.receive(0), (std::vector<double>{1.0}));
      EXPECT_NO_THROW(messages.check_all_delivered());
    }
  });
}

}  // namespace
}  // namespace trainsim::kernels::model
