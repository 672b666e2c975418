// model_parallel_check's pipelines, written out (model_parallel_check_layouts.h).
#include "kernels/model/model_parallel_check_layouts.h"

namespace trainsim::kernels::model {
namespace {

PipelineRankPlan one_lane(int stage, const std::vector<PipelineOp>& ops) { return PipelineRankPlan{ops, {stage}}; }

}  // namespace

std::vector<PipelineLayout> model_parallel_check_layouts() {
  constexpr PipelinePass F = PipelinePass::kForward, B = PipelinePass::kBackward;
  constexpr PipelinePass Bi = PipelinePass::kBackwardInput, W = PipelinePass::kBackwardWeight;
  std::vector<PipelineOp> gpipe;  // all forwards, then all backwards
  for (int m = 0; m < kParallelCheckMicroBatches; ++m) gpipe.push_back({F, m, 0});
  for (int m = 0; m < kParallelCheckMicroBatches; ++m) gpipe.push_back({B, m, 0});
  // DualPipeV of 2 stages on one rank (stage 0 on lane 0, stage 1 on lane 1): `trainsim schedule --kind dualpipev
  // --pp 2 --microbatches 4 --order` gives "F0a F0b F1a B0b F1b&B0a F2a&B1b F2b&B1a F3a&B2b F3b&B2a B3b Bi3a W3a";
  // an F&B as its forward then its backward (as the CI tests convert it).
  // Its stage 0 hands stage 1 its activations through the communicator to itself, in rounds (message_rounds.h).
  const std::vector<PipelineOp> dualpipev = {{F, 0, 0}, {F, 0, 1}, {F, 1, 0}, {B, 0, 1},  {F, 1, 1}, {B, 0, 0},
                                             {F, 2, 0}, {B, 1, 1}, {F, 2, 1}, {B, 1, 0},  {F, 3, 0}, {B, 2, 1},
                                             {F, 3, 1}, {B, 2, 0}, {B, 3, 1}, {Bi, 3, 0}, {W, 3, 0}};
  // DualPipe of 2 stages on 2 ranks, each stage twice (direction a: stage s on rank s, lane 0; b: on rank 1 - s,
  // lane 1; b's micro-batches numbered 2 and 3): `trainsim schedule --kind dualpipe --pp 2 --microbatches 4 --order`
  // gives "rank 0: F0a F0b F1a B0b F1b&B0a B1b Bi1a W1a" and "rank 1: F0b F0a F1b B0a F1a&B0b B1a Bi1b W1b".
  const PipelineRankPlan dualpipe0{
      {{F, 0, 0}, {F, 2, 1}, {F, 1, 0}, {B, 2, 1}, {F, 3, 1}, {B, 0, 0}, {B, 3, 1}, {Bi, 1, 0}, {W, 1, 0}}, {0, 1}};
  const PipelineRankPlan dualpipe1{
      {{F, 2, 1}, {F, 0, 0}, {F, 3, 1}, {B, 0, 0}, {F, 1, 0}, {B, 2, 1}, {B, 1, 0}, {Bi, 3, 1}, {W, 3, 1}}, {1, 0}};
  return {PipelineLayout{"PP 1", 1, {one_lane(0, gpipe)}},
          PipelineLayout{"PP 2 GPipe", 2, {one_lane(0, gpipe), one_lane(1, gpipe)}},
          PipelineLayout{"PP 2 DualPipeV (one rank)", 2, {PipelineRankPlan{dualpipev, {0, 1}}}, {{0, 0}}},
          PipelineLayout{"PP 2 DualPipe", 2, {dualpipe0, dualpipe1}, {{0, 1}, {1, 0}}, StageCopies::kTwoDirections}};
}

}  // namespace trainsim::kernels::model
