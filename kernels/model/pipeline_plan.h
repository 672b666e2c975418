// What a pipeline's ranks run in one training step: every rank's ops in order and the stage each of its lanes holds.
// A rank needs the others' plans as well as its own: it posts its receives ahead of need, in the rounds in which
// their senders send them (message_rounds.h), and those come from the whole pipeline's order. The simulator's
// schedules (sim/schedules) give the plans; the tests and the GPU check build them from those.
#pragma once
#include <span>
#include <vector>

namespace trainsim::kernels::model {

// A backward whole (B), or split as ZB1P and DualPipe split it (deferred_weight_gradients.h): the backward for the
// inputs (Bi), which hands the gradient on, and later the linear layers' weight gradients (W).
enum class PipelinePass { kForward, kBackward, kBackwardInput, kBackwardWeight };

// The pass whose messages an op's are: a backward for the inputs takes and hands on a whole backward's gradients
// (message_rounds.h); the others their own (a W's: none).
inline PipelinePass message_pass(PipelinePass pass) {
  return pass == PipelinePass::kBackwardInput ? PipelinePass::kBackward : pass;
}

// One op of a rank's schedule: a pass of one micro-batch on one of the rank's lanes.
struct PipelineOp {
  PipelinePass pass = PipelinePass::kForward;
  int micro_batch = 0;  // the step's micro-batch (DualPipe's directions numbered together: 0 .. M - 1)
  int lane = 0;
};

// One rank's part: its ops, and for each of its lanes the pipeline stage that lane's model holds.
struct PipelineRankPlan {
  std::vector<PipelineOp> ops;
  std::vector<int> stage_of_lane;
};

// Indexed by the rank in the pipeline's group (the communicator of the lanes' PipelineParallelism).
using PipelinePlan = std::vector<PipelineRankPlan>;

// One rank holding the whole model on one lane, running `ops`.
inline PipelinePlan whole_model_plan(std::span<const PipelineOp> ops) {
  return {PipelineRankPlan{std::vector<PipelineOp>(ops.begin(), ops.end()), {0}}};
}

}  // namespace trainsim::kernels::model
