// When a pipeline rank posts its point-to-point messages, so that no schedule hangs on NCCL's sends, which complete
// only when received: two neighbours that each send before they receive would otherwise wait on each other for
// ever, and in interleaved 1F1B, DualPipe and DualPipeV a rank receives from one neighbour while the other waits on
// its send. Receives are therefore posted ahead of need, as Megatron-LM's interleaved schedule and DualPipe's
// reference post them, in rounds every rank derives alike from the whole plan (pipeline_plan.h):
//   - every op takes one unit of time and starts when its rank is free and its input is ready (ASAP), so the plan
//     alone gives each op its end time (a split backward's Bi sends what a whole backward sends; its W sends nothing);
//   - a forward's output (stage s to s + 1) or a backward's input gradient (stage s to s - 1) is ready at its op's end
//     T: round T of its sender holds the send and round T of its receiver the receive;
//   - a rank posts each of its rounds as one exchange (ncclGroupStart/End), in order of T, after its ops that end by
//     T and before those that start from T (a consumer starts no earlier than its producer ends).
// Why no rank waits for ever: by induction on T. If every round before T has completed on every rank, every op that
// ends by T has its input (its producer ended earlier, so its round did) and has run; so every rank reaches its round
// T, and a round-T message is a send in its sender's round T and a receive in its receiver's, posted together. A
// rank waits at most for its neighbours to reach the same round: the rounds cost synchronisation, not correctness.
#pragma once
#include <vector>

#include "kernels/model/pipeline_plan.h"

namespace trainsim::kernels::model {

// A stage's activation (forward) or input gradient (backward) of one micro-batch, on its way to the stage whose op
// of the same pass and micro-batch takes it.
struct StageMessage {
  PipelinePass pass = PipelinePass::kForward;  // kForward or kBackward (a Bi's gradient is a backward's)
  int micro_batch = 0;
  int to_stage = 0;
  int peer = 0;  // the rank it goes to (a send) or comes from (a receive); it may be the rank itself (DualPipeV's V)
  friend bool operator==(const StageMessage&, const StageMessage&) = default;
};

struct MessageRound {
  int time = 0;  // the unit-time end of the ops that produced its messages: the same round on every rank in it
  std::vector<StageMessage> sends;
  std::vector<StageMessage> receives;  // by peer
};

// Rank `rank`'s rounds by the op they precede: [i] are posted before plan[rank].ops[i] (in order), [ops.size()]
// after the last op. Throws std::invalid_argument naming the op where the plan is not one pipeline: a lane without
// a stage, a stage's op of a micro-batch twice, an input no rank produces or an output no rank takes, or ranks that
// wait on each other's ops.
std::vector<std::vector<MessageRound>> message_rounds(const PipelinePlan& plan, int rank);

}  // namespace trainsim::kernels::model
