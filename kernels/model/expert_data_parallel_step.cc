// The data- and expert-parallel step (expert_data_parallel_step.h): the single-device step's parts with the
// group's reductions between them.
#include "kernels/model/expert_data_parallel_step.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/model/expert_bias_update.h"
#include "kernels/moe/expert_loads.h"

namespace trainsim::kernels::model {
namespace {

// The walk's names say which tensors are routed experts (model_parameters.h: "<block>.moe.experts.<e>.<matrix>").
bool is_routed_expert(const std::string& name) { return name.find(".moe.experts.") != std::string::npos; }

const ExpertParallelism& group_of(const ReducedDeepSeekV3& model) {
  if (!model.options.expert_parallelism || !model.options.expert_parallelism->communicator)
    throw std::invalid_argument("expert_data_parallel_training_step: the model's options name no group of ranks");
  return *model.options.expert_parallelism;
}

}  // namespace

void average_gradients_over_ranks(const ExpertParallelism& group, ModelWeights& grads) {
  Communicator& communicator = *group.communicator;
  const double ranks = communicator.size();
  // One all-reduce over every replicated tensor, packed in the walk's order (frameworks reduce buckets, not tensors).
  std::vector<double> replicated;
  for_each_parameter(grads, grads, [&](const std::string& name, int, std::vector<double>& g, std::vector<double>&) {
    if (!is_routed_expert(name)) replicated.insert(replicated.end(), g.begin(), g.end());
  });
  communicator.all_reduce_sum(replicated);
  size_t next = 0;
  for_each_parameter(grads, grads, [&](const std::string& name, int, std::vector<double>& g, std::vector<double>&) {
    if (is_routed_expert(name)) {
      for (double& value : g) value /= ranks;  // other ranks' experts are empty here
      return;
    }
    for (double& value : g) value = replicated[next++] / ranks;
  });
}

LossReport expert_data_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer, std::span<const int> ids,
                                              const VarlenBatch& batch, double bias_update_speed) {
  const ExpertParallelism& group = group_of(model);
  const LossReport own = model.forward(ids, batch);
  model.backward();
  average_gradients_over_ranks(group, model.gradient_buffer());
  {
    const AttachOpTimer attach(model.options.op_timer, Pass::kOptimizer);
    const AttachBackend on_backend(model.options.backend);
    OpScope scope(OpKind::kOptimizer, "adamw");
    optimizer.step(model.weights, model.gradient_buffer());
  }
  {
    const AttachOpTimer attach(model.options.op_timer, Pass::kOptimizer);
    OpScope scope(OpKind::kOptimizer, "expert_bias_update");
    const int experts = model.config().n_routed_experts;
    for (int b = 0; b < model.moe_block_count(); ++b) {
      const std::vector<int64_t> own_loads = loads_from_ids(model.last_expert_ids(b), experts);
      std::vector<double> loads(experts);  // counts, exact as doubles (far below 2^53)
      for (int e = 0; e < experts; ++e) loads[e] = double(own_loads[e]);
      group.communicator->all_reduce_sum(loads);
      std::vector<int64_t> group_loads(experts);
      for (int e = 0; e < experts; ++e) group_loads[e] = int64_t(loads[e]);
      update_expert_bias(group_loads, bias_update_speed, model.expert_bias[b]);
    }
  }
  std::vector<double> losses = {own.main_loss, own.mtp_loss, own.balance_loss, own.total_loss};
  group.communicator->all_reduce_sum(losses);
  const double ranks = group.communicator->size();
  return LossReport{losses[0] / ranks, losses[1] / ranks, losses[2] / ranks, losses[3] / ranks};
}

}  // namespace trainsim::kernels::model
