// ModelConfig: the architecture hyper-parameters of a transformer, dense or MoE, MHA/GQA or MLA, with the
// names of HuggingFace config.json fields (see hf_config.h for the mapping).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "models/mlp_kind.h"

namespace trainsim::models {

enum class AttentionKind { kGroupedQuery, kMultiHeadLatent };  // MHA is grouped-query with kv heads = heads
enum class RouterScoring { kSoftmax, kSigmoid };
// RMSNorm of the queries and keys before RoPE: per head over head_dim (Qwen3) or over the whole projection (OLMoE).
enum class QkNorm { kNone, kPerHead, kWholeProjection };

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
  // Qwen2-MoE's shared_expert_intermediate_size: the shared expert's own width, with a sigmoid gate (h -> 1)
  // on its output; 0: each shared expert is as wide as a routed one (DeepSeek).
  int shared_intermediate_size = 0;
  int experts_per_token = 0;
  int first_dense_layers = 0;  // first_k_dense_replace
  int moe_layer_frequency = 1;
  // Qwen2/3-MoE's rule instead of DeepSeek's: layer l is MoE when (l + 1) % decoder_sparse_step == 0 and l is
  // not in mlp_only_layers. 0: decoder_sparse_step not given.
  int sparse_step = 0;
  std::vector<int> dense_layers;  // mlp_only_layers: dense whatever the other rules say
  bool normalize_top_k = false;   // norm_topk_prob: renormalize the k gate values (no cost effect)
  // The config key that first set a routing field (num_experts_per_tok, moe_intermediate_size, ...), named in
  // the error when the model turns out to have no experts.
  std::string routing_key;
  int expert_groups = 1;       // n_group
  int groups_per_token = 1;    // topk_group: DeepSeek-V3 routes each token to at most this many nodes
  double routed_scaling_factor = 1.0;
  RouterScoring scoring = RouterScoring::kSoftmax;
  // What decides whether training runs the router's balance loss (ModelConfig::trains_balance_loss).
  std::optional<double> aux_loss_alpha;  // as given; none: DeepseekV2Config's and DeepseekV3Config's 0.001
  bool output_router_logits = false;
};

struct ModelConfig {
  std::string name;
  std::string model_type;  // HuggingFace model_type; some families imply biases and norms no key states
  int hidden_size = 0;
  int num_layers = 0;
  int vocab_size = 0;
  int intermediate_size = 0;  // the dense FFN width
  MlpKind mlp = MlpKind::kSwiGlu;  // hidden_act / activation_function; experts share it
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;  // GQA head dimension
  // Biases (their gradients' column sums: linear_biases.h), LayerNorm (layer_norms.h), q/k norms
  // (qk_norm_ops.h) and learned positions (position_embeddings.h) are priced as ops; sinks only as parameters
  // (one logit per head and query: negligible work).
  bool qkv_bias = false;
  bool attention_output_bias = false;  // o_proj bias: attention_bias in Llama and GPT-OSS, always in GPT-2
  bool mlp_bias = false;               // biases on the MLP or expert matrices and the router (GPT-2, GPT-OSS)
  bool layer_norm = false;             // LayerNorm (weight and bias, 2h) instead of RMSNorm (h): GPT-2
  QkNorm qk_norm = QkNorm::kNone;
  bool attention_sinks = false;        // one learned logit per head and layer (GPT-OSS)
  bool tie_word_embeddings = false;
  int max_position_embeddings = 0;
  int learned_positions = 0;  // rows of a learned position table (GPT-2's wpe: n_positions); 0: rotary
  // sliding_window in tokens, 0: none or switched off (use_sliding_window: false); sliding_window_layers: how
  // many layers use it (layer_types), -1: all. Priced by models/attention_window.h.
  int sliding_window = 0;
  int sliding_window_layers = -1;
  // Dropout probabilities: on the attention probabilities (attention_dropout, GPT-2's attn_pdrop), on each
  // block's output before the residual add (hidden_dropout, resid_pdrop), on the embeddings (embd_pdrop). 0, as
  // in modern LLM pre-training, adds nothing; above 0 the op catalog adds the dropout and keeps its 1-byte mask.
  double attention_dropout = 0;
  double hidden_dropout = 0;
  double embedding_dropout = 0;
  int mtp_depth = 0;  // num_nextn_predict_layers: extra MTP modules (DeepSeek-V3: 1)
  AttentionKind attention = AttentionKind::kGroupedQuery;
  MlaDims mla;
  MoeDims moe;
  // What the config holds that trainsim does not model or read, and what that means for the estimate;
  // `trainsim run` prints them among its notes.
  std::vector<std::string> notes;

  bool is_moe() const { return moe.routed_experts > 0; }
  // Whether training runs the router's balance loss, an op over its scores (the catalog's moe.balance_loss), as
  // HuggingFace's modeling code decides: DeepSeek's when aux_loss_alpha > 0 (sequence-wise with seq_aux, as
  // DeepSeek-V3 trained: arXiv 2412.19437 eq. 17-20; the same work per score over the batch without it), the
  // others' (Mixtral, Qwen-MoE, OLMoE: the Switch-style loss) when output_router_logits is true.
  bool trains_balance_loss() const;
  // DeepSeek's rule (layer >= first_k_dense and layer % freq == 0) or, with decoder_sparse_step, Qwen-MoE's.
  bool is_moe_layer(int layer) const;
  int moe_layer_count() const;
  // BF16 KV cache per token for inference (MLA caches the latent and the RoPE key, shared by all heads).
  double kv_cache_bytes_per_token() const;
};

}  // namespace trainsim::models
