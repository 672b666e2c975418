// Forward, backward, AdamW, bias update: the order DeepSeek-V3's step applies them in (formulas in the headers).
#include "kernels/model/training_step.h"

#include "kernels/model/expert_bias_update.h"
#include "kernels/moe/expert_loads.h"

namespace trainsim::kernels::model {

LossReport training_step(ReducedDeepSeekV3& model, AdamW& optimizer, std::span<const int> ids, const VarlenBatch& batch,
                         double bias_update_speed) {
  const LossReport report = model.forward(ids, batch);
  const ModelWeights& grads = model.backward();
  const AttachOpTimer attach(model.options.op_timer, Pass::kOptimizer);
  const AttachBackend on_backend(model.options.backend);
  {
    OpScope scope(OpKind::kOptimizer, "adamw");
    optimizer.step(model.weights, grads);
  }
  OpScope scope(OpKind::kOptimizer, "expert_bias_update");
  for (int b = 0; b < model.moe_block_count(); ++b)
    update_expert_bias(loads_from_ids(model.last_expert_ids(b), model.config().n_routed_experts), bias_update_speed,
                       model.expert_bias[b]);
  return report;
}

}  // namespace trainsim::kernels::model
