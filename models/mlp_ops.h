// The MLP blocks of the op catalog: a dense MLP (gated SwiGLU/GeGLU or plain GeLU/ReLU) and DeepSeekMoE's router,
// dispatch, routed experts as grouped GEMMs, shared experts and combine, with what each keeps for backward under
// each recompute mode (models/recompute.h; DeepSeek-V3 tech report 3.3.2-3.3.3).
#pragma once
#include <string>

#include "models/layer_builder.h"
#include "models/model_config.h"

namespace trainsim::models::catalog {

// A dense layer's MLP (norm, block, bias gradients, TP collectives, residual dropout); returns its parameters.
double dense_mlp(const ModelConfig& m, LayerBuilder& b);
// A MoE layer's MLP; adds its non-expert parameters to `params` and this GPU's routed experts' to `expert_params`.
void moe_mlp(const ModelConfig& m, LayerBuilder& b, double& params, double& expert_params);

}  // namespace trainsim::models::catalog
