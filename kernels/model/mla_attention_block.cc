// MLA layer: forward by mla_qkv_ref's steps + the back-end's attention core + linear_forward; backward by
// linear_backward, the back-end's attention backward, RoPE's inverse rotation and rmsnorm_backward_ref.
#include "kernels/model/mla_attention_block.h"

#include "kernels/model/compute_backend.h"
#include "kernels/model/op_timer.h"

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

size_t cached_bytes(const MlaCache& cache) {
  const MlaQkvRef& q = cache.qkv;
  return sizeof(double) * (cache.x.size() + cache.q_down.size() + q.c_q.size() + q.kv_down.size() + q.c_kv.size() +
                           q.q.size() + q.k.size() + q.v.size() + cache.attn.size()) +
         sizeof(int) * cache.positions.size();
}

namespace {

// The names the steps after the down-projections are timed under: forward's, or backward's recomputation.
struct QkvStepNames {
  const char *q_norm, *q_up, *kv_norm, *kv_up, *rope;
};
constexpr QkvStepNames kForwardSteps{"q_norm", "q_up", "kv_norm", "kv_up", "rope"};
constexpr QkvStepNames kRecomputeSteps{"q_norm_recompute", "q_up_recompute", "kv_norm_recompute", "kv_up_recompute",
                                       "rope_recompute"};

// mla_qkv_ref's steps after its two down-projections, with its functions: c_q = RMSNorm(q_down), q_up,
// c_kv = RMSNorm(kv_down[:, :kv_lora]), kv_up, then RoPE and assembly into q, k, v. q.kv_down is read.
void norms_and_up(const MlaDims& d, const MlaWeights& w, std::span<const double> q_down,
                  std::span<const int> positions, GemmPrecision precision, const QkvStepNames& names, MlaQkvRef& q) {
  const int tokens = int(positions.size());
  ComputeBackend& backend = current_backend();
  q.c_q = timed(OpKind::kNormElementwise, names.q_norm, [&] {
    return backend.rmsnorm(q_down, tokens, d.q_lora, d.q_lora, w.gamma_q, d.rms_eps, precision);
  });
  const std::vector<double> q_up = timed(OpKind::kProjection, names.q_up, [&] {
    return linear_forward(q.c_q, w.w_uq, tokens, d.heads * d.qk_dim(), d.q_lora, precision);
  });
  q.c_kv = timed(OpKind::kNormElementwise, names.kv_norm, [&] {
    return backend.rmsnorm(q.kv_down, tokens, d.kv_lora, d.kv_down_dim(), w.gamma_kv, d.rms_eps, precision);
  });
  const std::vector<double> kv_up = timed(OpKind::kProjection, names.kv_up, [&] {
    return linear_forward(q.c_kv, w.w_ukv, tokens, d.heads * d.kv_up_dim(), d.kv_lora, precision);
  });
  OpScope scope(OpKind::kNormElementwise, names.rope);
  backend.assemble_qkv(d, q_up, kv_up, q.kv_down, positions, q, precision);
}

}  // namespace

std::vector<double> mla_attention_forward(const MlaDims& d, const MlaWeights& w, const VarlenBatch& batch,
                                          std::span<const double> x, MlaCache& cache, GemmPrecision precision) {
  const int tokens = batch.total_tokens();
  cache.x.assign(x.begin(), x.end());
  cache.positions = batch.positions();
  cache.shape = AttentionShape{batch, d.heads, d.qk_dim(), d.v_dim, 0};  // scale 1/sqrt(qk_dim), as in V3
  cache.precision = precision;
  // mla_qkv_ref's steps (the same functions on the same inputs: the same results), each timed as its op kind;
  // both down-projections first, then norms_and_up.
  MlaQkvRef& q = cache.qkv;
  q = MlaQkvRef{};
  cache.q_down = timed(OpKind::kProjection, "q_down", [&] {
    return linear_forward(x, w.w_dq, tokens, d.q_lora, d.hidden, precision);
  });
  q.kv_down = timed(OpKind::kProjection, "kv_down", [&] {
    return linear_forward(x, w.w_dkv, tokens, d.kv_down_dim(), d.hidden, precision);
  });
  norms_and_up(d, w, cache.q_down, cache.positions, precision, kForwardSteps, q);
  cache.attn = timed(OpKind::kAttentionCore, "attention", [&] {
    count_flops(attention_forward_flops(cache.shape));
    return current_backend().attention_forward(cache.shape, q.q, q.k, q.v);
  });
  if (cache.recompute_norms_and_up) {  // backward recomputes these; q_down and kv_down (the latents) stay
    for (std::vector<double>* kept : {&q.c_q, &q.c_kv, &q.q, &q.k, &q.v}) std::vector<double>().swap(*kept);
  }
  return timed(OpKind::kProjection, "o_proj",
               [&] { return linear_forward(cache.attn, w.w_o, tokens, d.hidden, d.heads * d.v_dim, precision); });
}

std::vector<double> mla_attention_backward(const MlaDims& d, const MlaWeights& w, const MlaCache& cache,
                                           std::span<const double> dy, MlaWeights& grads,
                                           std::span<const double> x) {
  const std::span<const double> in = x.empty() ? std::span<const double>(cache.x) : x;
  const int tokens = cache.shape.batch.total_tokens(), qk = d.qk_dim(), up = d.kv_up_dim(), down = d.kv_down_dim();
  // With recomputation, the latents' norms and the up-projections run again here from the kept down-projections
  // (the same operations on the same inputs as forward, so the same values); otherwise the cache holds them.
  MlaQkvRef recomputed;
  if (cache.recompute_norms_and_up) {
    recomputed.kv_down = cache.qkv.kv_down;
    norms_and_up(d, w, cache.q_down, cache.positions, cache.precision, kRecomputeSteps, recomputed);
  }
  const MlaQkvRef& qkv = cache.recompute_norms_and_up ? recomputed : cache.qkv;
  const std::vector<double> d_attn = timed(OpKind::kProjection, "o_proj", [&] {
    return linear_backward(cache.attn, w.w_o, dy, tokens, d.hidden, d.heads * d.v_dim, grads.w_o, cache.precision);
  });
  const AttentionGradsRef g = timed(OpKind::kAttentionCore, "attention", [&] {
    count_flops(attention_backward_flops(cache.shape));  // its forward recomputation included
    return current_backend().attention_backward(cache.shape, qkv.q, qkv.k, qkv.v, d_attn);
  });

  // Undo assemble_qkv_ref: RoPE's backward is the inverse rotation; the shared rope key sums over heads.
  std::vector<double> d_q_up, d_kv_up, d_kv_down(size_t(tokens) * down, 0);
  {
    OpScope scope(OpKind::kNormElementwise, "rope");
    current_backend().assemble_qkv_backward(d, g.dq, g.dk, g.dv, cache.positions, d_q_up, d_kv_up, d_kv_down,
                                            cache.precision);
  }

  // KV path: kv_up = c_kv W_ukv^T, c_kv = RMSNorm(kv_down[:, :kv_lora]), kv_down = x W_dkv^T.
  const std::vector<double> d_c_kv = timed(OpKind::kProjection, "kv_up", [&] {
    return linear_backward(qkv.c_kv, w.w_ukv, d_kv_up, tokens, d.heads * up, d.kv_lora, grads.w_ukv,
                           cache.precision);
  });
  {
    OpScope scope(OpKind::kNormElementwise, "kv_norm");
    const std::vector<double> d_kv_latent = current_backend().rmsnorm_backward(
        cache.qkv.kv_down, tokens, d.kv_lora, down, w.gamma_kv, d.rms_eps, d_c_kv, grads.gamma_kv, cache.precision);
    for (int t = 0; t < tokens; ++t)
      for (int c = 0; c < d.kv_lora; ++c) d_kv_down[size_t(t) * down + c] = d_kv_latent[size_t(t) * d.kv_lora + c];
  }
  std::vector<double> dx = timed(OpKind::kProjection, "kv_down", [&] {
    return linear_backward(in, w.w_dkv, d_kv_down, tokens, down, d.hidden, grads.w_dkv, cache.precision);
  });

  // Query path: q_up = c_q W_uq^T, c_q = RMSNorm(q_down), q_down = x W_dq^T (kept).
  const std::vector<double> d_c_q = timed(OpKind::kProjection, "q_up", [&] {
    return linear_backward(qkv.c_q, w.w_uq, d_q_up, tokens, d.heads * qk, d.q_lora, grads.w_uq,
                           cache.precision);
  });
  const std::vector<double> d_q_down = timed(OpKind::kNormElementwise, "q_norm", [&] {
    return current_backend().rmsnorm_backward(cache.q_down, tokens, d.q_lora, d.q_lora, w.gamma_q, d.rms_eps, d_c_q,
                                              grads.gamma_q, cache.precision);
  });
  const std::vector<double> dx_q = timed(OpKind::kProjection, "q_down", [&] {
    return linear_backward(in, w.w_dq, d_q_down, tokens, d.q_lora, d.hidden, grads.w_dq, cache.precision);
  });
  {
    OpScope scope(OpKind::kNormElementwise, "add_dx");
    current_backend().add(dx, dx_q, cache.precision);
  }
  return dx;
}

}  // namespace trainsim::kernels::model
