// Pre-norm residual block over the MLA, SwiGLU and MoE layers; RMSNorm from mla_projections_ref.h.
#include "kernels/model/transformer_block.h"

#include <utility>

#include "kernels/model/compute_backend.h"
#include "kernels/model/expert_parallel_moe.h"
#include "kernels/model/op_timer.h"
#include "kernels/model/sequence_balance_loss.h"

namespace trainsim::kernels::model {

BlockWeights BlockWeights::zeros(const ModelConfig& c, bool is_moe) {
  BlockWeights w;
  w.is_moe = is_moe;
  w.attn_norm.assign(c.hidden_size, 0);
  w.mla = zero_mla_weights(c.mla_dims());
  w.ffn_norm.assign(c.hidden_size, 0);
  if (is_moe)
    w.moe = MoeWeights::zeros(c.hidden_size, c.n_routed_experts, c.moe_intermediate_size,
                              c.moe_intermediate_size * c.n_shared_experts);
  else
    w.dense = SwigluWeights::zeros(c.hidden_size, c.intermediate_size);
  return w;
}

size_t recomputed_outputs_cached_bytes(const BlockCache& cache) {
  size_t activations = cache.dense.act.size() + cache.moe.shared_cache.act.size();
  for (const SwigluCache& expert : cache.moe.expert_caches) activations += expert.act.size();
  return cached_bytes(cache.mla) + sizeof(double) * (cache.attn_in.size() + cache.ffn_in.size() + cache.dense.x.size() +
                                                     cache.moe.x.size() + cache.moe.shared_cache.x.size() + activations);
}

std::vector<double> block_forward(const ModelConfig& c, const BlockWeights& w, std::span<const double> bias,
                                  const VarlenBatch& batch, std::span<const double> x, BlockCache& cache,
                                  GemmPrecision precision) {
  const int rows = batch.total_tokens(), hidden = c.hidden_size;
  ComputeBackend& backend = current_backend();
  cache.rows = rows;
  cache.mla.recompute_norms_and_up = cache.deepseek_recomputation;
  cache.x.assign(x.begin(), x.end());
  cache.attn_in = timed(OpKind::kNormElementwise, "attn_norm", [&] {
    return backend.rmsnorm(x, rows, hidden, hidden, w.attn_norm, c.rms_norm_eps, precision);
  });
  cache.h = mla_attention_forward(c.mla_dims(), w.mla, batch, cache.attn_in, cache.mla, precision);
  {
    OpScope scope(OpKind::kNormElementwise, "residual_ffn_norm");
    backend.add(cache.h, x, precision);
    cache.ffn_in = backend.rmsnorm(cache.h, rows, hidden, hidden, w.ffn_norm, c.rms_norm_eps, precision);
  }
  const ExpertParallelism* expert_parallelism = current_expert_parallelism();
  std::vector<double> y;
  if (!w.is_moe)
    y = swiglu_mlp_forward(w.dense, cache.ffn_in, rows, cache.dense, precision);
  else if (expert_parallelism)
    y = expert_parallel_moe_forward(*expert_parallelism, c.routing_rule(), w.moe, bias, cache.ffn_in, rows, cache.moe,
                                    precision);
  else
    y = moe_forward(c.routing_rule(), w.moe, bias, cache.ffn_in, rows, cache.moe, precision);
  cache.balance_loss = 0;
  cache.moe.balance_d_logits.clear();
  if (w.is_moe && c.balance_loss_alpha > 0) {
    OpScope scope(OpKind::kRouter, "balance_loss");
    BalanceLoss balance = current_backend().balance_loss(c.routing_rule(), batch, cache.moe.logits,
                                                         cache.moe.expert_ids, c.balance_loss_alpha);
    cache.balance_loss = balance.loss;
    cache.moe.balance_d_logits = std::move(balance.d_logits);
  }
  OpScope scope(OpKind::kNormElementwise, "residual");
  backend.add(y, cache.h, precision);
  if (cache.deepseek_recomputation) {  // backward recomputes the norms' outputs from x and h, the SwiGLUs' from h
    for (std::vector<double>* kept :
         {&cache.attn_in, &cache.ffn_in, &cache.mla.x, &cache.dense.x, &cache.moe.x, &cache.moe.shared_cache.x})
      std::vector<double>().swap(*kept);
    if (!w.is_moe) drop_swiglu_output(cache.dense);
    if (w.is_moe && w.moe.shared.inter > 0) drop_swiglu_output(cache.moe.shared_cache);
    for (SwigluCache& expert : cache.moe.expert_caches) drop_swiglu_output(expert);
  }
  return y;
}

std::vector<double> block_backward(const ModelConfig& c, const BlockWeights& w, const BlockCache& cache,
                                   std::span<const double> dy, BlockWeights& grads) {
  const int rows = cache.rows, hidden = c.hidden_size;
  const GemmPrecision precision = cache.mla.precision;
  ComputeBackend& backend = current_backend();
  std::vector<double> ffn_in;  // empty: the sublayers read their cached inputs
  if (cache.deepseek_recomputation)
    ffn_in = timed(OpKind::kNormElementwise, "ffn_norm_recompute", [&] {
      return backend.rmsnorm(cache.h, rows, hidden, hidden, w.ffn_norm, c.rms_norm_eps, precision);
    });
  const ExpertParallelism* expert_parallelism = current_expert_parallelism();
  std::vector<double> d_ffn_in;
  if (!w.is_moe)
    d_ffn_in = swiglu_mlp_backward(w.dense, cache.dense, dy, grads.dense, ffn_in);
  else if (expert_parallelism)
    d_ffn_in =
        expert_parallel_moe_backward(*expert_parallelism, c.routing_rule(), w.moe, cache.moe, dy, grads.moe, ffn_in);
  else
    d_ffn_in = moe_backward(c.routing_rule(), w.moe, cache.moe, dy, grads.moe, ffn_in);
  std::vector<double> dh = timed(OpKind::kNormElementwise, "residual_ffn_norm", [&] {
    std::vector<double> d = backend.rmsnorm_backward(cache.h, rows, hidden, hidden, w.ffn_norm, c.rms_norm_eps,
                                                     d_ffn_in, grads.ffn_norm, precision);
    backend.add(d, dy, precision);  // the residual
    return d;
  });
  std::vector<double> attn_in;
  if (cache.deepseek_recomputation)
    attn_in = timed(OpKind::kNormElementwise, "attn_norm_recompute", [&] {
      return backend.rmsnorm(cache.x, rows, hidden, hidden, w.attn_norm, c.rms_norm_eps, precision);
    });
  const std::vector<double> d_attn_in = mla_attention_backward(c.mla_dims(), w.mla, cache.mla, dh, grads.mla, attn_in);
  OpScope scope(OpKind::kNormElementwise, "attn_norm_residual");
  std::vector<double> dx = backend.rmsnorm_backward(cache.x, rows, hidden, hidden, w.attn_norm, c.rms_norm_eps,
                                                    d_attn_in, grads.attn_norm, precision);
  backend.add(dx, dh, precision);  // the residual
  return dx;
}

}  // namespace trainsim::kernels::model
