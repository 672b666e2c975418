// One training step of one rank of the reduced model's pipeline: the rank runs its forwards and backwards of the
// step's micro-batches in the order a pipeline schedule gives it (the simulator's own schedules, sim/schedules/,
// hand their per-rank orders over as PipelineOps: the model executes what the simulator prices), one stage model
// per lane the rank holds (one for GPipe, 1F1B and ZB1P; v for interleaved 1F1B; two for DualPipe and DualPipeV),
// then
//   - divides the accumulated gradients by the micro-batches (the step's loss is the micro-batches' mean);
//   - DualPipe only: sums each stage's two copies' gradients (stage s runs on rank s for one direction and on rank
//     pp-1-s for the other: DualPipe's 2x parameters), the copy of direction 0 first, so both copies stay equal;
//   - sums the embedding's gradient over the first and the last stage (the MTP modules' copy: pipeline_stage.h), on
//     one rank where it holds both (DualPipe, DualPipeV), else between the two stages' ranks;
//   - with a data-parallel group, averages the gradients over it (expert_data_parallel_step.h);
//   - steps each lane's AdamW on its stage's weights;
//   - moves the bias of each MoE block it holds by the experts' loads summed over the micro-batches (and, for
//     DualPipe, over the two copies, and over the data-parallel group).
// With equally shaped micro-batches this is the single-device step on the micro-batches concatenated, up to the
// order of the gradients' additions (tests/kernels/model/pipeline_parallel_step_test.cc).
//
// A dependent op waits for its input (the model's receive). NCCL's sends complete only when received, so each op's
// sends go out with the next op's receive, or alone when the next op starts without one (paired_sends.h: Megatron-
// LM's send_forward_recv_backward); that keeps GPipe, 1F1B and ZB1P from hanging on NCCL. Interleaved 1F1B, DualPipe
// and DualPipeV need receives posted ahead of need as well, not done yet (NOTES.md, "More than one device"): they
// run where sends are buffered (the in-process ranks' default). A split backward (ZB1P, DualPipe's Bi and W) runs as
// the whole backward at its Bi and nothing at its W: the same gradients, not the same timing.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/adamw.h"
#include "kernels/model/reduced_deepseek_v3.h"

namespace trainsim::kernels::model {

enum class PipelinePass { kForward, kBackward };

// One op of a rank's schedule: the forward or the (whole) backward of one micro-batch on one of the rank's lanes.
struct PipelineOp {
  PipelinePass pass = PipelinePass::kForward;
  int micro_batch = 0;  // the step's micro-batch (DualPipe's directions numbered together: 0 .. M - 1)
  int lane = 0;
};

struct MicroBatch {
  std::vector<int> ids;
  VarlenBatch batch;
};

// A lane of the rank: its stage's model (keep_stage, options.pipeline naming its pipeline) and that model's optimizer.
struct PipelineLane {
  ReducedDeepSeekV3* model = nullptr;
  AdamW* optimizer = nullptr;
};

// Whether every stage runs twice, once in each of two directions (DualPipe), or once.
enum class StageCopies { kOne, kTwoDirections };

// Each lane must see one forward and then one backward of every micro-batch it sees, and every micro-batch must be
// seen. `data_parallel`: the ranks that hold the same stages, each with micro-batches of its own, over which the
// MoE blocks run expert parallel and the rest data parallel (DeepSeek-V3's grid: PP 16 x EP 64;
// expert_data_parallel_step.h says what it reduces); nullptr: none. Returns the step's losses (the mean over the
// micro-batches, and over the data-parallel ranks) on every rank.
LossReport pipeline_parallel_training_step(std::span<const PipelineLane> lanes, StageCopies copies,
                                           std::span<const MicroBatch> micro_batches, std::span<const PipelineOp> ops,
                                           double bias_update_speed, const ExpertParallelism* data_parallel = nullptr);
// One lane (GPipe, 1F1B, ZB1P; or the whole model as one stage).
LossReport pipeline_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer,
                                           std::span<const MicroBatch> micro_batches, std::span<const PipelineOp> ops,
                                           double bias_update_speed);

}  // namespace trainsim::kernels::model
