// One training step of one rank of a group that runs the model data parallel and its MoE blocks expert parallel
// over the same ranks: DeepSeek-V3's layout inside a pipeline stage, where the data-parallel ranks of the attention
// and the dense layers are the expert-parallel ranks of the MoE (arXiv 2412.19437, section 3.2; EP 64 there).
//   - forward and backward on the rank's own batch, the MoE blocks through the group (the model's
//     options.expert_parallelism);
//   - the gradients of the mean of the ranks' losses: every tensor the ranks replicate (all but the routed experts)
//     all-reduced and divided by the ranks, as DDP or ZeRO's reduction does; a rank's own experts already hold the
//     gradient from every rank's tokens (the all-to-alls brought them) and are only divided;
//   - AdamW on the rank's weights (the replicated ones stay equal on every rank: same gradients, same state);
//   - each MoE block's bias update from its experts' loads summed over the ranks: the group's batch, as on one
//     device (arXiv 2412.19437, section 2.1.2: the loads of the whole batch).
// With equally shaped batches on every rank, this is the single-device step on the ranks' batches concatenated,
// up to the order of the gradients' additions (tests/kernels/model/expert_data_parallel_step_test.cc).
#pragma once
#include <span>
#include <string>

#include "kernels/model/adamw.h"
#include "kernels/model/reduced_deepseek_v3.h"

namespace trainsim::kernels::model {

// model.options.expert_parallelism names the group; the model keeps only its own experts (keep_own_experts).
// Returns the group's losses: the mean of the ranks' reports.
LossReport expert_data_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer, std::span<const int> ids,
                                              const VarlenBatch& batch, double bias_update_speed);

// The step's gradient reduction alone: `grads` (a rank's, from its backward) become the group's mean loss's.
void average_gradients_over_ranks(const ExpertParallelism& group, ModelWeights& grads);

// Whether a parameter of the walk (model_parameters.h) is a routed expert's: "<block>.moe.experts.<e>.<matrix>".
bool is_routed_expert(const std::string& parameter_name);

}  // namespace trainsim::kernels::model
