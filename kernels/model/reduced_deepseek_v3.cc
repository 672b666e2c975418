// The whole model's forward and backward over the layer files (formulas in reduced_deepseek_v3.h).
#include "kernels/model/reduced_deepseek_v3.h"

#include <stdexcept>
#include <utility>

#include "kernels/model/compute_backend.h"

namespace trainsim::kernels::model {

ReducedDeepSeekV3::ReducedDeepSeekV3(const ModelConfig& config, unsigned long long seed)
    : weights(init_weights(config, seed)), config_(config), grads_(ModelWeights::zeros(config)) {
  for (int l = config.first_k_dense_replace; l < config.num_hidden_layers; ++l)
    expert_bias.emplace_back(config.n_routed_experts, 0.0);
  first_mtp_moe_block_ = int(expert_bias.size());
  for (const MtpWeights& mtp : weights.mtp)
    if (mtp.block.is_moe) expert_bias.emplace_back(config.n_routed_experts, 0.0);
}

std::span<const double> ReducedDeepSeekV3::mtp_bias(int depth_index) const {
  if (!weights.mtp[depth_index].block.is_moe) return {};
  return expert_bias[first_mtp_moe_block_ + depth_index];
}

std::span<const double> ReducedDeepSeekV3::bias_of(int layer) const {
  if (!config_.is_moe_layer(layer)) return {};
  return expert_bias[layer - config_.first_k_dense_replace];
}

const std::vector<int>& ReducedDeepSeekV3::last_expert_ids(int moe_block) const {
  if (moe_block >= first_mtp_moe_block_) return mtp_caches_.at(moe_block - first_mtp_moe_block_).block.moe.expert_ids;
  return layer_caches_.at(config_.first_k_dense_replace + moe_block).moe.expert_ids;
}

size_t ReducedDeepSeekV3::norm_and_mla_cached_bytes() const {
  size_t bytes = 0;
  for (const BlockCache& layer : layer_caches_) bytes += model::norm_and_mla_cached_bytes(layer);
  for (const MtpCache& mtp : mtp_caches_) bytes += model::norm_and_mla_cached_bytes(mtp.block);
  return bytes;
}

void ReducedDeepSeekV3::keep_own_experts(const ExpertPlacement& placement, int rank) {
  if (placement.num_experts != config_.n_routed_experts || rank < 0 || rank >= placement.ranks)
    throw std::invalid_argument("keep_own_experts: the placement is not of this model's experts, or no rank of it");
  const auto drop_others = [&](BlockWeights& w, BlockWeights& g) {
    if (!w.is_moe) return;
    for (int e = 0; e < placement.num_experts; ++e)
      if (placement.owner(e) != rank) w.moe.experts.at(e) = g.moe.experts.at(e) = SwigluWeights{};
  };
  for (size_t l = 0; l < weights.layers.size(); ++l) drop_others(weights.layers[l], grads_.layers[l]);
  for (size_t k = 0; k < weights.mtp.size(); ++k) drop_others(weights.mtp[k].block, grads_.mtp[k].block);
}

LossReport ReducedDeepSeekV3::forward(std::span<const int> ids, const VarlenBatch& batch) {
  const ModelConfig& c = config_;
  if (int(ids.size()) != batch.total_tokens()) throw std::invalid_argument("forward: one token id per batch row");
  const AttachOpTimer attach(options.op_timer, Pass::kForward);
  const AttachBackend on_backend(options.backend);
  const AttachExpertParallelism expert_parallel(options.expert_parallelism);
  ids_.assign(ids.begin(), ids.end());
  batch_ = batch;
  const int rows = batch.total_tokens();
  std::vector<double> x = timed(OpKind::kEmbeddingHead, "embedding", [&] {
    return current_backend().embedding_forward(weights.embed, c.hidden_size, ids, options.gemm_precision);
  });
  layer_caches_.assign(c.num_hidden_layers, BlockCache{});
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const OpLayer layer(l);
    layer_caches_[l].recompute_norms = options.recompute_norms_and_mla_up;
    x = block_forward(c, weights.layers[l], bias_of(l), batch, x, layer_caches_[l], options.gemm_precision);
  }
  h_main_ = std::move(x);
  {
    OpScope scope(OpKind::kEmbeddingHead, "head_loss");
    final_in_ = current_backend().rmsnorm(h_main_, rows, c.hidden_size, c.hidden_size, weights.final_norm,
                                          c.rms_norm_eps, options.gemm_precision);
    const std::vector<double> logits =
        linear_forward(final_in_, weights.head, rows, c.vocab_size, c.hidden_size, kOriginalPrecision);
    std::vector<int> targets(rows, kNoTarget);  // t_{i+1} inside the same sequence
    for (int s = 0; s < batch.sequences(); ++s)
      for (int m = batch.cu_seqlens[s]; m + 1 < batch.cu_seqlens[s + 1]; ++m) targets[m] = ids[m + 1];
    main_ce_ = current_backend().cross_entropy(logits, rows, c.vocab_size, targets, kOriginalPrecision);
  }

  LossReport report;
  report.main_loss = main_ce_.loss;
  mtp_caches_.assign(c.num_nextn_predict_layers, MtpCache{});
  for (int k = 0; k < c.num_nextn_predict_layers;
       ++k) {  // depth k + 1 extends h^k: the main model's, then each depth's
    const OpLayer layer(c.num_hidden_layers + k);
    mtp_caches_[k].block.recompute_norms = options.recompute_norms_and_mla_up;
    const MtpInput in{
        batch, ids, k + 1, k == 0 ? batch : mtp_caches_[k - 1].batch,
        k == 0 ? std::span<const double>(h_main_) : std::span<const double>(mtp_caches_[k - 1].block_out)};
    report.mtp_loss +=
        mtp_forward(c, weights.mtp[k], shared_head(), mtp_bias(k), in, mtp_caches_[k], options.gemm_precision) /
        c.num_nextn_predict_layers;
  }
  for (const BlockCache& layer : layer_caches_) report.balance_loss += layer.balance_loss;
  for (const MtpCache& mtp : mtp_caches_) report.balance_loss += mtp.block.balance_loss;
  report.total_loss = report.main_loss + kMtpLossWeight * report.mtp_loss + report.balance_loss;
  return report;
}

const ModelWeights& ReducedDeepSeekV3::backward() {
  const ModelConfig& c = config_;
  const AttachOpTimer attach(options.op_timer, Pass::kBackward);
  const AttachBackend on_backend(options.backend);
  const AttachExpertParallelism expert_parallel(options.expert_parallelism);
  const int rows = batch_.total_tokens(), h = c.hidden_size;
  {
    OpScope scope(OpKind::kOptimizer, "gradient_zeroing");
    current_backend().zero_gradients(grads_);
  }
  ModelWeights& g = grads_;
  std::vector<double> dx = timed(OpKind::kEmbeddingHead, "head_loss", [&] {
    const std::vector<double> d_final =
        linear_backward(final_in_, weights.head, main_ce_.d_logits, rows, c.vocab_size, h, g.head,
                        kOriginalPrecision);
    return current_backend().rmsnorm_backward(h_main_, rows, h, h, weights.final_norm, c.rms_norm_eps, d_final,
                                              g.final_norm, options.gemm_precision);
  });
  // The deepest module first: each hands the gradient on its input h^{k-1} to the depth before it.
  std::vector<double> d_from_next;
  for (int k = c.num_nextn_predict_layers - 1; k >= 0; --k) {
    const OpLayer layer(c.num_hidden_layers + k);
    std::vector<double> d_prev =
        k == 0 ? std::vector<double>() : std::vector<double>(mtp_caches_[k - 1].block_out.size());
    mtp_backward(c, weights.mtp[k], shared_head(), mtp_caches_[k], kMtpLossWeight / c.num_nextn_predict_layers,
                 d_from_next, k == 0 ? std::span<double>(dx) : std::span<double>(d_prev), g.mtp[k], g.embed, g.head);
    d_from_next = std::move(d_prev);
  }
  for (int l = c.num_hidden_layers - 1; l >= 0; --l) {
    const OpLayer layer(l);
    dx = block_backward(c, weights.layers[l], layer_caches_[l], dx, g.layers[l]);
  }
  OpScope scope(OpKind::kEmbeddingHead, "embedding");
  current_backend().embedding_backward(ids_, h, dx, g.embed, options.gemm_precision);
  return g;
}

}  // namespace trainsim::kernels::model
