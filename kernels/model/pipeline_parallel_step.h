// One training step of one pipeline stage of the reduced model: the stage runs its forwards and backwards of the
// step's micro-batches in the order a pipeline schedule gives it (the simulator's own schedules, sim/schedules/,
// hand their per-rank orders over as PipelineOps: the model executes what the simulator prices), then
//   - divides the accumulated gradients by the micro-batches (the step's loss is the micro-batches' mean);
//   - sums the embedding's gradient over the first and the last stage (the MTP modules' copy: pipeline_stage.h);
//   - steps AdamW on the stage's weights;
//   - moves the bias of each MoE block it holds by the experts' loads summed over the micro-batches.
// With equally shaped micro-batches this is the single-device step on the micro-batches concatenated, up to the
// order of the gradients' additions (tests/kernels/model/pipeline_parallel_step_test.cc).
//
// The stages' messages are the communicator's point-to-point sends: the in-process ranks buffer them, so any order
// a schedule gives runs; NCCL's sends wait for their receives, so on GPUs a stage must pair each send with the
// receive it meets (Megatron-LM's send_forward_recv_backward), which this step does not do yet (NOTES.md).
#pragma once
#include <span>
#include <vector>

#include "kernels/model/adamw.h"
#include "kernels/model/reduced_deepseek_v3.h"

namespace trainsim::kernels::model {

enum class PipelinePass { kForward, kBackward };

// One op of a stage's schedule: the forward or the (whole) backward of one micro-batch.
struct PipelineOp {
  PipelinePass pass = PipelinePass::kForward;
  int micro_batch = 0;
};

struct MicroBatch {
  std::vector<int> ids;
  VarlenBatch batch;
};

// model: a stage (keep_stage) with options.pipeline naming the stages' group, or the whole model (one stage, any
// group). `ops` must hold one forward and one backward of every micro-batch, the forward first. Returns the step's
// losses (the micro-batches' mean) on every stage.
LossReport pipeline_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer,
                                           std::span<const MicroBatch> micro_batches, std::span<const PipelineOp> ops,
                                           double bias_update_speed);

}  // namespace trainsim::kernels::model
