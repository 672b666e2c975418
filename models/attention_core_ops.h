// The attention cores of the op catalog: Megatron-LM 2021's unfused core (batched GEMMs around a fused softmax
// and the attention dropout, keeping s x s tensors) and the flash core (one kernel each way, the log-sum-exp
// kept). Ops, FLOPs, bytes and saved activations as Korthikanti et al. 2022 (arXiv 2205.05198, 4.1-4.2) count them.
#pragma once
#include "models/layer_builder.h"
#include "models/model_config.h"

namespace trainsim::models::catalog {

// Per sequence and head on this GPU; `rerun`: selective recompute re-runs the core's forward in backward.
void unfused_attention_core(const ModelConfig& m, LayerBuilder& b, double heads, double d_qk, double d_v, bool rerun);
void flash_attention_core(const ModelConfig& m, LayerBuilder& b, double heads, double kv_heads, double d_qk, double d_v,
                          bool rerun);

}  // namespace trainsim::models::catalog
