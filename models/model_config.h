// ModelConfig: the architecture hyper-parameters of a transformer, dense or MoE, MHA/GQA or MLA, with the
// names of HuggingFace config.json fields (see hf_config.h for the mapping).
#pragma once
#include <string>

namespace trainsim::models {

enum class AttentionKind { kGroupedQuery, kMultiHeadLatent };  // MHA is grouped-query with kv heads = heads
enum class RouterScoring { kSoftmax, kSigmoid };

struct MlaDims {
  int q_lora_rank = 0;  // 0: no query compression (DeepSeek-V2-Lite)
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
  int qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
};

struct MoeDims {
  int routed_experts = 0;  // 0: a dense model
  int shared_experts = 0;
  int expert_intermediate_size = 0;
  int experts_per_token = 0;
  int first_dense_layers = 0;  // first_k_dense_replace
  int moe_layer_frequency = 1;
  int expert_groups = 1;       // n_group
  int groups_per_token = 1;    // topk_group: DeepSeek-V3 routes each token to at most this many nodes
  double routed_scaling_factor = 1.0;
  RouterScoring scoring = RouterScoring::kSoftmax;
};

struct ModelConfig {
  std::string name;
  int hidden_size = 0;
  int num_layers = 0;
  int vocab_size = 0;
  int intermediate_size = 0;  // the dense FFN (SwiGLU) width
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;  // GQA head dimension
  bool qkv_bias = false;
  bool tie_word_embeddings = false;
  int max_position_embeddings = 0;
  int mtp_depth = 0;  // num_nextn_predict_layers: extra MTP modules (DeepSeek-V3: 1)
  AttentionKind attention = AttentionKind::kGroupedQuery;
  MlaDims mla;
  MoeDims moe;

  bool is_moe() const { return moe.routed_experts > 0; }
  bool is_moe_layer(int layer) const;  // HuggingFace DeepSeek rule: layer >= first_k_dense and layer % freq == 0
  int moe_layer_count() const;
  // BF16 KV cache per token for inference (MLA caches the latent and the RoPE key, shared by all heads).
  double kv_cache_bytes_per_token() const;
};

}  // namespace trainsim::models
