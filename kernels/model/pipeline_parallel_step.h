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
// A dependent op waits for its input (the model's receive). NCCL's sends complete only when received, so the stages'
// sends and receives go in rounds every rank derives from the whole plan, its receives posted ahead of need
// (message_rounds.h): no schedule hangs, interleaved 1F1B, DualPipe and DualPipeV included. A split backward (ZB1P,
// DualPipe's Bi and W) runs split: Bi hands the gradient on and keeps the linear layers' Wgrad GEMMs, which W runs
// (deferred_weight_gradients.h): the same gradients, in the simulator's order of ops.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/adamw.h"
#include "kernels/model/pipeline_plan.h"
#include "kernels/model/reduced_deepseek_v3.h"

namespace trainsim::kernels::model {

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

// `plan`: every rank of the lanes' pipeline group, this rank's ops and lanes' stages among them (pipeline_plan.h).
// Each lane must see one forward and then one backward of every micro-batch it sees, and every micro-batch must be
// seen. `data_parallel`: the ranks that hold the same stages, each with micro-batches of its own, over which the
// MoE blocks run expert parallel and the rest data parallel (DeepSeek-V3's grid: PP 16 x EP 64;
// expert_data_parallel_step.h says what it reduces); nullptr: none. Returns the step's losses (the mean over the
// micro-batches, and over the data-parallel ranks) on every rank.
LossReport pipeline_parallel_training_step(std::span<const PipelineLane> lanes, StageCopies copies,
                                           std::span<const MicroBatch> micro_batches, const PipelinePlan& plan,
                                           double bias_update_speed, const ExpertParallelism* data_parallel = nullptr);
// The whole model on one lane of one rank, running `ops`.
LossReport pipeline_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer,
                                           std::span<const MicroBatch> micro_batches, std::span<const PipelineOp> ops,
                                           double bias_update_speed);

}  // namespace trainsim::kernels::model
