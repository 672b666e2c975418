// The data- and expert-parallel step (expert_data_parallel_step.h): the gradients' reduction over the group, and
// the step itself as the pipeline step's with the whole model as its one stage.
#include "kernels/model/expert_data_parallel_step.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/model/pipeline_parallel_step.h"

namespace trainsim::kernels::model {
namespace {

const ExpertParallelism& group_of(const ReducedDeepSeekV3& model) {
  if (!model.options.expert_parallelism || !model.options.expert_parallelism->communicator)
    throw std::invalid_argument("expert_data_parallel_training_step: the model's options name no group of ranks");
  return *model.options.expert_parallelism;
}

}  // namespace

bool is_routed_expert(const std::string& parameter_name) {
  return parameter_name.find(".moe.experts.") != std::string::npos;
}

void average_gradients_over_ranks(const ExpertParallelism& group, ModelWeights& grads) {
  // One all-reduce over every replicated tensor (frameworks reduce buckets, not tensors); the rank's own experts
  // already sum every rank's tokens (other ranks' experts are empty here). Then all of it a mean over the ranks.
  const ParameterFilter replicated = [](const std::string& name) { return !is_routed_expert(name); };
  std::vector<double> sums = packed_parameters(grads, replicated);
  group.communicator->all_reduce_sum(sums);
  unpack_parameters(grads, sums, replicated);
  divide_parameters(grads, group.communicator->size());
}

LossReport expert_data_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer, std::span<const int> ids,
                                              const VarlenBatch& batch, double bias_update_speed) {
  // The whole model as one stage, one micro-batch: the pipeline step's reductions without a pipeline.
  const MicroBatch micro_batch{std::vector<int>(ids.begin(), ids.end()), batch};
  const PipelineOp ops[] = {{PipelinePass::kForward, 0, 0}, {PipelinePass::kBackward, 0, 0}};
  const PipelineLane lane{&model, &optimizer};
  return pipeline_parallel_training_step(std::span<const PipelineLane>(&lane, 1), StageCopies::kOne,
                                         std::span<const MicroBatch>(&micro_batch, 1), whole_model_plan(ops),
                                         bias_update_speed, &group_of(model));
}

}  // namespace trainsim::kernels::model
