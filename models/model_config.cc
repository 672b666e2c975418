// Layer-kind rule and KV-cache size. The MoE layer rules are DeepseekV3DecoderLayer's and
// Qwen2MoeDecoderLayer's in HuggingFace transformers; the KV-cache sizes reproduce the ISCA 2025 paper's table (docs/sources.md#kv-cache).
#include "models/model_config.h"

#include <algorithm>

#include "models/op.h"

namespace trainsim::models {

bool ModelConfig::trains_balance_loss() const {
  if (!is_moe()) return false;
  // transformers' DeepseekV2Config and DeepseekV3Config default aux_loss_alpha to 0.001.
  constexpr double kHfDeepSeekAuxLossAlpha = 0.001;
  return model_type.starts_with("deepseek") ? moe.aux_loss_alpha.value_or(kHfDeepSeekAuxLossAlpha) > 0
                                            : moe.output_router_logits;
}

bool ModelConfig::is_moe_layer(int layer) const {
  if (!is_moe()) return false;
  if (std::find(moe.dense_layers.begin(), moe.dense_layers.end(), layer) != moe.dense_layers.end()) return false;
  if (moe.sparse_step > 0) return (layer + 1) % moe.sparse_step == 0;
  return layer >= moe.first_dense_layers && layer % moe.moe_layer_frequency == 0;
}

int ModelConfig::moe_layer_count() const {
  int count = 0;
  for (int layer = 0; layer < num_layers; ++layer) count += is_moe_layer(layer) ? 1 : 0;
  return count;
}

double ModelConfig::kv_cache_bytes_per_token() const {
  const double per_layer = attention == AttentionKind::kMultiHeadLatent
                               ? mla.kv_lora_rank + mla.qk_rope_head_dim
                               : 2.0 * num_kv_heads * head_dim;
  return per_layer * bytes_per_element(Dtype::kBf16) * num_layers;
}

}  // namespace trainsim::models
