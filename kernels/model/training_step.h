// One training step of the reduced DeepSeek-V3: forward and backward (main + MTP loss), AdamW on every
// parameter, then the aux-loss-free bias update of each MoE block from the loads of that step
// (arXiv 2412.19437, section 2.1.2: the bias moves at the end of each step).
#pragma once
#include <span>

#include "kernels/model/adamw.h"
#include "kernels/model/reduced_deepseek_v3.h"

namespace trainsim::kernels::model {

// bias_update_speed: gamma of expert_bias_update.h (0 freezes the biases).
LossReport training_step(ReducedDeepSeekV3& model, AdamW& optimizer, std::span<const int> ids, const VarlenBatch& batch,
                         double bias_update_speed);

}  // namespace trainsim::kernels::model
