// The MLA problem, apart from any kernel: DeepSeek-V3's attention dimensions (models/presets/deepseek-v3.json),
// a packed batch of variable-length sequences (cu_seqlens), and the FLOP and byte counts that the benchmarks
// and NOTES.md use (causal: key j attends to query i only when j <= i inside one sequence).
#pragma once
#include <vector>

namespace trainsim::kernels {

// DeepSeek-V3's MLA; tests shrink every field to keep the FP64 references fast.
struct MlaDims {
  int hidden = 7168;
  int heads = 128;
  int q_lora = 1536;  // query latent
  int kv_lora = 512;  // key/value latent, the cached part in decode
  int qk_nope = 128;  // per-head key dims without position
  int qk_rope = 64;   // decoupled RoPE dims: per head for queries, one shared copy for keys
  int v_dim = 128;
  double rms_eps = 1e-6;
  double rope_theta = 10000;  // plain RoPE: pre-training runs at 4096, the YaRN extension came later

  int qk_dim() const { return qk_nope + qk_rope; }         // 192
  int kv_up_dim() const { return qk_nope + v_dim; }        // 256 per head: [k_nope, v]
  int kv_down_dim() const { return kv_lora + qk_rope; }    // 576: [c_kv, k_rope]
  int decode_qk_dim() const { return kv_lora + qk_rope; }  // 576 after absorbing W_UK
  int decode_v_dim() const { return kv_lora; }             // 512 before applying W_UV
};

// Sequences packed one after another; sequence s holds tokens cu_seqlens[s] .. cu_seqlens[s+1]-1.
struct VarlenBatch {
  std::vector<int> cu_seqlens{0};

  static VarlenBatch uniform(int sequences, int length);
  static VarlenBatch from_lengths(const std::vector<int>& lengths);
  int sequences() const { return static_cast<int>(cu_seqlens.size()) - 1; }
  int total_tokens() const { return cu_seqlens.back(); }
  int length(int s) const { return cu_seqlens[s + 1] - cu_seqlens[s]; }
  int max_length() const;
  std::vector<int> positions() const;  // each token's position inside its sequence (RoPE uses it)
  double causal_pairs() const;         // sum over sequences of L (L + 1) / 2
};

// The attention core: q, k [tokens][heads][qk_dim], v, o, dO [tokens][heads][v_dim], lse [tokens][heads].
struct AttentionShape {
  VarlenBatch batch;
  int heads = 128;
  int qk_dim = 192;
  int v_dim = 128;
  double scale = 0;  // softmax scale; 0 means 1 / sqrt(qk_dim)

  double softmax_scale() const;
};

// Causal FLOPs, counted as FlashAttention counts them: forward 2 matrix products (QK^T, PV), backward
// 5 (QK^T recomputed, dO V^T, P^T dO, dS^T Q, dS K); exact pair count L (L + 1) / 2, not L^2 / 2.
double attention_forward_flops(const AttentionShape& shape);
double attention_backward_flops(const AttentionShape& shape);
// Fewest bytes through device memory: every input read once, every output written once (BF16 tensors,
// FP32 log-sum-exp).
double attention_forward_bytes(const AttentionShape& shape);
double attention_backward_bytes(const AttentionShape& shape);

// Decode over a cached latent: one query token per sequence, absorbed dims (576 qk, 512 v) shared by heads.
double decode_flops(const VarlenBatch& cache, int heads, int qk_dim, int v_dim);
double decode_bytes(const VarlenBatch& cache, int heads, int qk_dim, int v_dim);

}  // namespace trainsim::kernels
