// Layer-kind rule and KV-cache size. The MoE layer rule is DeepseekV3DecoderLayer's in HuggingFace
// transformers; the KV-cache sizes reproduce the ISCA 2025 paper's table (docs/sources.md#kv-cache).
#include "models/model_config.h"

namespace trainsim::models {

bool ModelConfig::is_moe_layer(int layer) const {
  return is_moe() && layer >= moe.first_dense_layers && layer % moe.moe_layer_frequency == 0;
}

int ModelConfig::moe_layer_count() const {
  int count = 0;
  for (int layer = 0; layer < num_layers; ++layer) count += is_moe_layer(layer) ? 1 : 0;
  return count;
}

double ModelConfig::kv_cache_bytes_per_token() const {
  constexpr double kBf16Bytes = 2;
  const double per_layer = attention == AttentionKind::kMultiHeadLatent
                               ? mla.kv_lora_rank + mla.qk_rope_head_dim
                               : 2.0 * num_kv_heads * head_dim;
  return per_layer * kBf16Bytes * num_layers;
}

}  // namespace trainsim::models
