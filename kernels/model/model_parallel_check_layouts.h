// The pipelines model_parallel_check trains over NCCL (model_parallel_check.cu): each a plan of every pipeline rank's
// ops, written out from the simulator's schedules (the GPU machine builds kernels/ without sim/), and held equal to
// those schedules in CI (tests/kernels/model/model_parallel_check_layouts_test.cc).
#pragma once
#include <vector>

#include "kernels/model/pipeline_parallel_step.h"
#include "kernels/model/pipeline_plan.h"

namespace trainsim::kernels::model {

inline constexpr int kParallelCheckMicroBatches = 4;

// A pipeline of the check's grid: the model's stages, every pipeline rank's ops and lanes' stages, and each stage's
// rank in each direction (DualPipe's two, lane d running direction d; one for the others, every lane's).
struct PipelineLayout {
  const char* name = "";
  int stages = 1;
  PipelinePlan plan;
  std::vector<std::vector<int>> rank_of_stage = {{}};  // [direction]; empty: stage s on rank s
  StageCopies copies = StageCopies::kOne;
};

// PP 1 (the whole model), PP 2 in GPipe's order, DualPipeV's 2 stages on one rank and DualPipe's on 2, each over
// kParallelCheckMicroBatches micro-batches.
std::vector<PipelineLayout> model_parallel_check_layouts();

}  // namespace trainsim::kernels::model
