// The whole model's forward and backward over the layer files (formulas in reduced_deepseek_v3.h).
#include "kernels/model/reduced_deepseek_v3.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "kernels/model/compute_backend.h"

namespace trainsim::kernels::model {
namespace {

// A block a stage does not hold: no tensors, its kind kept (the parameter walk and the bias slots follow it).
BlockWeights empty_block(bool is_moe) {
  BlockWeights block;
  block.is_moe = is_moe;
  return block;
}

}  // namespace

ReducedDeepSeekV3::ReducedDeepSeekV3(const ModelConfig& config, unsigned long long seed)
    : weights(init_weights(config, seed)),
      config_(config),
      stage_(PipelineStage::whole(config)),
      grads_(ModelWeights::zeros(config)) {
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

const ReducedDeepSeekV3::Activations& ReducedDeepSeekV3::activations(int micro_batch) const {
  if (micro_batch < 0 || micro_batch >= int(micro_batches_.size()))
    throw std::out_of_range("micro-batch " + std::to_string(micro_batch) + " has had no forward");
  return micro_batches_[micro_batch];
}

bool ReducedDeepSeekV3::holds_moe_block(int moe_block) const {
  if (moe_block >= first_mtp_moe_block_) return stage_.holds_head();
  return stage_.holds_layer(config_.first_k_dense_replace + moe_block);
}

const std::vector<int>& ReducedDeepSeekV3::last_expert_ids(int moe_block, int micro_batch) const {
  if (!holds_moe_block(moe_block))
    throw std::out_of_range("MoE block " + std::to_string(moe_block) + " lies on another pipeline stage");
  const Activations& a = activations(micro_batch);
  if (moe_block >= first_mtp_moe_block_) return a.mtp_caches.at(moe_block - first_mtp_moe_block_).block.moe.expert_ids;
  return a.layer_caches.at(config_.first_k_dense_replace + moe_block).moe.expert_ids;
}

size_t ReducedDeepSeekV3::recomputed_outputs_cached_bytes() const {
  size_t bytes = 0;
  for (const BlockCache& layer : activations(0).layer_caches) bytes += model::recomputed_outputs_cached_bytes(layer);
  for (const MtpCache& mtp : activations(0).mtp_caches) bytes += model::recomputed_outputs_cached_bytes(mtp.block);
  return bytes;
}

void ReducedDeepSeekV3::keep_own_experts(const ExpertPlacement& placement, int rank) {
  if (placement.num_experts != config_.n_routed_experts || rank < 0 || rank >= placement.ranks)
    throw std::invalid_argument("keep_own_experts: the placement is not of this model's experts, or no rank of it");
  const auto drop_others = [&](BlockWeights& w, BlockWeights& g) {
    if (!w.is_moe) return;
    for (int e = 0; e < placement.num_experts && e < int(w.moe.experts.size()); ++e)
      if (placement.owner(e) != rank) w.moe.experts[e] = g.moe.experts[e] = SwigluWeights{};
  };
  for (size_t l = 0; l < weights.layers.size(); ++l) drop_others(weights.layers[l], grads_.layers[l]);
  for (size_t k = 0; k < weights.mtp.size(); ++k) drop_others(weights.mtp[k].block, grads_.mtp[k].block);
}

void ReducedDeepSeekV3::keep_stage(const PipelineStage& stage) {
  if (stage.end_layer > config_.num_hidden_layers || !stage_.is_whole())
    throw std::invalid_argument("keep_stage: a stage of another model, or the model is a stage already");
  stage_ = stage;
  const auto drop = [](ModelWeights& w, const PipelineStage& s, bool keep_embedding) {
    for (int l = 0; l < int(w.layers.size()); ++l)
      if (!s.holds_layer(l)) w.layers[l] = empty_block(w.layers[l].is_moe);
    if (!keep_embedding) std::vector<double>().swap(w.embed);
    if (s.holds_head()) return;
    std::vector<double>().swap(w.final_norm);
    std::vector<double>().swap(w.head);
    for (MtpWeights& mtp : w.mtp) {
      const bool is_moe = mtp.block.is_moe;
      mtp = MtpWeights{};
      mtp.block = empty_block(is_moe);
    }
  };
  const bool embedding = stage.holds_embedding() || (stage.holds_head() && !weights.mtp.empty());
  drop(weights, stage, embedding);
  drop(grads_, stage, embedding);
}

const PipelineParallelism* ReducedDeepSeekV3::pipeline_group() const {
  if (stage_.is_whole()) return nullptr;
  const PipelineParallelism* group = options.pipeline;
  if (!group || !group->communicator || group->rank_of(stage_.stage) != group->communicator->rank())
    throw std::invalid_argument("a pipeline stage runs only in its group: options.pipeline must place it on this rank");
  return group;
}

LossReport ReducedDeepSeekV3::forward(std::span<const int> ids, const VarlenBatch& batch, int micro_batch) {
  const ModelConfig& c = config_;
  if (int(ids.size()) != batch.total_tokens()) throw std::invalid_argument("forward: one token id per batch row");
  if (micro_batch < 0) throw std::invalid_argument("forward: a micro-batch index from 0");
  const PipelineParallelism* pipeline = pipeline_group();
  const AttachOpTimer attach(options.op_timer, Pass::kForward);
  const AttachBackend on_backend(options.backend);
  const AttachExpertParallelism expert_parallel(options.expert_parallelism);
  if (micro_batch >= int(micro_batches_.size())) micro_batches_.resize(micro_batch + 1);
  Activations& a = micro_batches_[micro_batch];
  a.ids.assign(ids.begin(), ids.end());
  a.batch = batch;
  const int rows = batch.total_tokens();
  std::vector<double> x;
  if (stage_.holds_embedding())
    x = timed(OpKind::kEmbeddingHead, "embedding", [&] {
      return current_backend().embedding_forward(weights.embed, c.hidden_size, ids, options.gemm_precision);
    });
  else
    x = pipeline->communicator->receive(pipeline->rank_of(stage_.stage - 1));
  a.layer_caches.assign(c.num_hidden_layers, BlockCache{});
  for (int l = stage_.first_layer; l < stage_.end_layer; ++l) {
    const OpLayer layer(l);
    a.layer_caches[l].deepseek_recomputation = options.deepseek_recomputation;
    x = block_forward(c, weights.layers[l], bias_of(l), batch, x, a.layer_caches[l], options.gemm_precision);
  }
  a.mtp_caches.clear();
  LossReport report;
  for (const BlockCache& layer : a.layer_caches) report.balance_loss += layer.balance_loss;
  if (!stage_.holds_head()) {  // the stage's share of the losses: its MoE blocks' balance losses
    pipeline->communicator->send(pipeline->rank_of(stage_.stage + 1), x);
    report.total_loss = report.balance_loss;
    return report;
  }
  a.h_main = std::move(x);
  {
    OpScope scope(OpKind::kEmbeddingHead, "head_loss");
    a.final_in = current_backend().rmsnorm(a.h_main, rows, c.hidden_size, c.hidden_size, weights.final_norm,
                                           c.rms_norm_eps, options.gemm_precision);
    const std::vector<double> logits =
        linear_forward(a.final_in, weights.head, rows, c.vocab_size, c.hidden_size, kOriginalPrecision);
    std::vector<int> targets(rows, kNoTarget);  // t_{i+1} inside the same sequence
    for (int s = 0; s < batch.sequences(); ++s)
      for (int m = batch.cu_seqlens[s]; m + 1 < batch.cu_seqlens[s + 1]; ++m) targets[m] = ids[m + 1];
    a.main_ce = current_backend().cross_entropy(logits, rows, c.vocab_size, targets, kOriginalPrecision);
  }

  report.main_loss = a.main_ce.loss;
  a.mtp_caches.assign(c.num_nextn_predict_layers, MtpCache{});
  for (int k = 0; k < c.num_nextn_predict_layers;
       ++k) {  // depth k + 1 extends h^k: the main model's, then each depth's
    const OpLayer layer(c.num_hidden_layers + k);
    a.mtp_caches[k].block.deepseek_recomputation = options.deepseek_recomputation;
    const MtpInput in{
        batch, ids, k + 1, k == 0 ? batch : a.mtp_caches[k - 1].batch,
        k == 0 ? std::span<const double>(a.h_main) : std::span<const double>(a.mtp_caches[k - 1].block_out)};
    report.mtp_loss +=
        mtp_forward(c, weights.mtp[k], shared_head(), mtp_bias(k), in, a.mtp_caches[k], options.gemm_precision) /
        c.num_nextn_predict_layers;
  }
  for (const MtpCache& mtp : a.mtp_caches) report.balance_loss += mtp.block.balance_loss;
  report.total_loss = report.main_loss + kMtpLossWeight * report.mtp_loss + report.balance_loss;
  return report;
}

const ModelWeights& ReducedDeepSeekV3::backward(int micro_batch, GradientBuffer buffer,
                                                WeightGradients weight_gradients) {
  const ModelConfig& c = config_;
  const Activations& a = activations(micro_batch);
  const PipelineParallelism* pipeline = pipeline_group();
  const AttachOpTimer attach(options.op_timer, Pass::kBackward);
  const AttachBackend on_backend(options.backend);
  const AttachExpertParallelism expert_parallel(options.expert_parallelism);
  if (deferred_.size() <= size_t(micro_batch)) deferred_.resize(size_t(micro_batch) + 1);
  if (!deferred_[micro_batch].empty())
    throw std::logic_error("backward: micro-batch " + std::to_string(micro_batch) + "'s weight gradients still wait");
  const AttachDeferredWeightGradients keep(weight_gradients == WeightGradients::kDeferred ? &deferred_[micro_batch]
                                                                                          : nullptr);
  const int rows = a.batch.total_tokens(), h = c.hidden_size;
  if (buffer == GradientBuffer::kZeroFirst) {
    OpScope scope(OpKind::kOptimizer, "gradient_zeroing");
    current_backend().zero_gradients(grads_);
  }
  ModelWeights& g = grads_;
  std::vector<double> dx;
  if (!stage_.holds_head()) {
    dx = pipeline->communicator->receive(pipeline->rank_of(stage_.stage + 1));
  } else {
    dx = timed(OpKind::kEmbeddingHead, "head_loss", [&] {
      const std::vector<double> d_final = linear_backward(a.final_in, weights.head, a.main_ce.d_logits, rows,
                                                          c.vocab_size, h, g.head, kOriginalPrecision);
      return current_backend().rmsnorm_backward(a.h_main, rows, h, h, weights.final_norm, c.rms_norm_eps, d_final,
                                                g.final_norm, options.gemm_precision);
    });
    // The deepest module first: each hands the gradient on its input h^{k-1} to the depth before it.
    std::vector<double> d_from_next;
    for (int k = c.num_nextn_predict_layers - 1; k >= 0; --k) {
      const OpLayer layer(c.num_hidden_layers + k);
      std::vector<double> d_prev =
          k == 0 ? std::vector<double>() : std::vector<double>(a.mtp_caches[k - 1].block_out.size());
      mtp_backward(c, weights.mtp[k], shared_head(), a.mtp_caches[k], kMtpLossWeight / c.num_nextn_predict_layers,
                   d_from_next, k == 0 ? std::span<double>(dx) : std::span<double>(d_prev), g.mtp[k], g.embed, g.head);
      d_from_next = std::move(d_prev);
    }
  }
  for (int l = stage_.end_layer - 1; l >= stage_.first_layer; --l) {
    const OpLayer layer(l);
    dx = block_backward(c, weights.layers[l], a.layer_caches[l], dx, g.layers[l]);
  }
  if (!stage_.holds_embedding()) {
    pipeline->communicator->send(pipeline->rank_of(stage_.stage - 1), dx);
    return g;
  }
  OpScope scope(OpKind::kEmbeddingHead, "embedding");
  current_backend().embedding_backward(a.ids, h, dx, g.embed, options.gemm_precision);
  return g;
}

void ReducedDeepSeekV3::backward_weights(int micro_batch) {
  if (size_t(micro_batch) >= deferred_.size() || deferred_[micro_batch].empty())
    throw std::logic_error("backward_weights: micro-batch " + std::to_string(micro_batch) +
                           " has no deferred backward waiting");
  const AttachOpTimer attach(options.op_timer, Pass::kBackward);
  const AttachBackend on_backend(options.backend);
  deferred_[micro_batch].run();
}

}  // namespace trainsim::kernels::model
