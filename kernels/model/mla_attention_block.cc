// MLA layer: forward by mla_qkv_ref + attention_forward_ref + linear_forward; backward by linear_backward,
// attention_backward_ref, RoPE's inverse rotation and rmsnorm_backward_ref.
#include "kernels/model/mla_attention_block.h"

namespace trainsim::kernels::model {

MlaWeights zero_mla_weights(const MlaDims& d) {
  MlaWeights w;
  w.w_dq.assign(size_t(d.q_lora) * d.hidden, 0);
  w.gamma_q.assign(d.q_lora, 0);
  w.w_uq.assign(size_t(d.heads) * d.qk_dim() * d.q_lora, 0);
  w.w_dkv.assign(size_t(d.kv_down_dim()) * d.hidden, 0);
  w.gamma_kv.assign(d.kv_lora, 0);
  w.w_ukv.assign(size_t(d.heads) * d.kv_up_dim() * d.kv_lora, 0);
  w.w_o.assign(size_t(d.hidden) * d.heads * d.v_dim, 0);
  return w;
}

std::vector<double> mla_attention_forward(const MlaDims& d, const MlaWeights& w, const VarlenBatch& batch,
                                          std::span<const double> x, MlaCache& cache, GemmPrecision precision) {
  const int tokens = batch.total_tokens();
  cache.x.assign(x.begin(), x.end());
  cache.positions = batch.positions();
  cache.shape = AttentionShape{batch, d.heads, d.qk_dim(), d.v_dim, 0};  // scale 1/sqrt(qk_dim), as in V3
  cache.precision = precision;
  cache.qkv = mla_qkv_ref(d, w, x, cache.positions, [precision](auto x_, auto w_, int m, int n, int k) {
    return linear_forward(x_, w_, m, n, k, precision);
  });
  cache.attn = attention_forward_ref(cache.shape, cache.qkv.q, cache.qkv.k, cache.qkv.v).o;
  return linear_forward(cache.attn, w.w_o, tokens, d.hidden, d.heads * d.v_dim, precision);
}

std::vector<double> mla_attention_backward(const MlaDims& d, const MlaWeights& w, const MlaCache& cache,
                                           std::span<const double> dy, MlaWeights& grads) {
  const int tokens = cache.shape.batch.total_tokens(), qk = d.qk_dim(), up = d.kv_up_dim(), down = d.kv_down_dim();
  const std::vector<double> d_attn =
      linear_backward(cache.attn, w.w_o, dy, tokens, d.hidden, d.heads * d.v_dim, grads.w_o, cache.precision);
  const AttentionGradsRef g = attention_backward_ref(cache.shape, cache.qkv.q, cache.qkv.k, cache.qkv.v, d_attn);

  // Undo assemble_qkv_ref: RoPE's backward is the inverse rotation; the shared rope key sums over heads.
  std::vector<double> d_q_up = g.dq;
  std::vector<double> d_kv_up(size_t(tokens) * d.heads * up), d_kv_down(size_t(tokens) * down, 0);
  for (int t = 0; t < tokens; ++t) {
    double* d_k_rope = &d_kv_down[size_t(t) * down + d.kv_lora];
    for (int h = 0; h < d.heads; ++h) {
      const size_t row = size_t(t) * d.heads + h;
      rope_ref(&d_q_up[row * qk + d.qk_nope], d.qk_rope, -cache.positions[t], d.rope_theta);
      for (int c = 0; c < d.qk_nope; ++c) d_kv_up[row * up + c] = g.dk[row * qk + c];
      for (int r = 0; r < d.qk_rope; ++r) d_k_rope[r] += g.dk[row * qk + d.qk_nope + r];
      for (int c = 0; c < d.v_dim; ++c) d_kv_up[row * up + d.qk_nope + c] = g.dv[row * d.v_dim + c];
    }
    rope_ref(d_k_rope, d.qk_rope, -cache.positions[t], d.rope_theta);
  }

  // KV path: kv_up = c_kv W_ukv^T, c_kv = RMSNorm(kv_down[:, :kv_lora]), kv_down = x W_dkv^T.
  const std::vector<double> d_c_kv =
      linear_backward(cache.qkv.c_kv, w.w_ukv, d_kv_up, tokens, d.heads * up, d.kv_lora, grads.w_ukv, cache.precision);
  const std::vector<double> d_kv_latent =
      rmsnorm_backward_ref(cache.qkv.kv_down, tokens, d.kv_lora, down, w.gamma_kv, d.rms_eps, d_c_kv, grads.gamma_kv);
  for (int t = 0; t < tokens; ++t)
    for (int c = 0; c < d.kv_lora; ++c) d_kv_down[size_t(t) * down + c] = d_kv_latent[size_t(t) * d.kv_lora + c];
  std::vector<double> dx =
      linear_backward(cache.x, w.w_dkv, d_kv_down, tokens, down, d.hidden, grads.w_dkv, cache.precision);

  // Query path: q_up = c_q W_uq^T, c_q = RMSNorm(q_down), q_down = x W_dq^T (recomputed, not cached).
  const std::vector<double> d_c_q =
      linear_backward(cache.qkv.c_q, w.w_uq, d_q_up, tokens, d.heads * qk, d.q_lora, grads.w_uq, cache.precision);
  const std::vector<double> q_down = linear_forward(cache.x, w.w_dq, tokens, d.q_lora, d.hidden, cache.precision);
  const std::vector<double> d_q_down =
      rmsnorm_backward_ref(q_down, tokens, d.q_lora, d.q_lora, w.gamma_q, d.rms_eps, d_c_q, grads.gamma_q);
  const std::vector<double> dx_q =
      linear_backward(cache.x, w.w_dq, d_q_down, tokens, d.q_lora, d.hidden, grads.w_dq, cache.precision);
  for (size_t i = 0; i < dx.size(); ++i) dx[i] += dx_q[i];
  return dx;
}

}  // namespace trainsim::kernels::model
