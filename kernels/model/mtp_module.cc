// MTP depth-1 module from the shared pieces: embedding, RMSNorm, linear, the transformer block, cross-entropy.
#include "kernels/model/mtp_module.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/model/compute_backend.h"
#include "kernels/model/op_timer.h"

namespace trainsim::kernels::model {

MtpWeights MtpWeights::zeros(const ModelConfig& c) {
  const int h = c.hidden_size;
  // DeepSeek-V3's MTP block is a MoE layer like its last main layers (docs/sources.md#deepseek-v3-model); a model
  // without MoE layers gets a dense one.
  return MtpWeights{std::vector<double>(h), std::vector<double>(h), std::vector<double>(size_t(2) * h * h),
                    BlockWeights::zeros(c, c.num_hidden_layers > c.first_k_dense_replace), std::vector<double>(h)};
}

double mtp_forward(const ModelConfig& c, const MtpWeights& w, SharedHead shared, std::span<const double> bias,
                   const MtpInput& in, MtpCache& cache, GemmPrecision precision) {
  const int h = c.hidden_size, vocab = c.vocab_size, k = in.depth;
  if (k < 1 || in.prev_batch.sequences() != in.batch.sequences())
    throw std::invalid_argument("mtp_forward: depth from 1, and h^{k-1} over the model's sequences");
  std::vector<int> lengths, targets;
  cache.prev_row.clear();
  cache.next_ids.clear();
  for (int s = 0; s < in.batch.sequences(); ++s) {
    const int length = std::max(0, in.batch.length(s) - k), first = in.batch.cu_seqlens[s];
    if (in.prev_batch.length(s) < length) throw std::invalid_argument("mtp_forward: h^{k-1} has too few rows");
    lengths.push_back(length);
    for (int i = 0; i < length; ++i) {
      cache.prev_row.push_back(in.prev_batch.cu_seqlens[s] + i);
      cache.next_ids.push_back(in.ids[first + i + k]);
      targets.push_back(i + k + 1 < in.batch.length(s) ? in.ids[first + i + k + 1] : kNoTarget);
    }
  }
  cache.batch = VarlenBatch::from_lengths(lengths);
  const int rows = int(cache.prev_row.size());
  {
    OpScope scope(OpKind::kEmbeddingHead, "mtp_embedding");
    cache.h_sel.assign(size_t(rows) * h, 0);
    for (int r = 0; r < rows; ++r)
      std::copy_n(&in.prev_hidden[size_t(cache.prev_row[r]) * h], h, &cache.h_sel[size_t(r) * h]);
    cache.e_sel = current_backend().embedding_forward(shared.embed, h, cache.next_ids, precision);
  }
  {
    OpScope scope(OpKind::kNormElementwise, "mtp_norms");
    ComputeBackend& backend = current_backend();
    const std::vector<double> hn = backend.rmsnorm(cache.h_sel, rows, h, h, w.hnorm, c.rms_norm_eps, precision);
    const std::vector<double> en = backend.rmsnorm(cache.e_sel, rows, h, h, w.enorm, c.rms_norm_eps, precision);
    cache.cat.assign(size_t(rows) * 2 * h, 0);
    for (int r = 0; r < rows; ++r) {
      std::copy_n(&hn[size_t(r) * h], h, &cache.cat[size_t(r) * 2 * h]);
      std::copy_n(&en[size_t(r) * h], h, &cache.cat[size_t(r) * 2 * h + h]);
    }
  }
  cache.precision = precision;
  const std::vector<double> projected = timed(OpKind::kEmbeddingHead, "mtp_proj", [&] {
    return linear_forward(cache.cat, w.proj, rows, h, 2 * h, precision);
  });
  cache.block_out = block_forward(c, w.block, bias, cache.batch, projected, cache.block, precision);
  {
    OpScope scope(OpKind::kEmbeddingHead, "mtp_head_loss");
    ComputeBackend& backend = current_backend();
    cache.final_in = backend.rmsnorm(cache.block_out, rows, h, h, w.final_norm, c.rms_norm_eps, precision);
    const std::vector<double> logits =
        linear_forward(cache.final_in, shared.head, rows, vocab, h, kOriginalPrecision);
    cache.ce = backend.cross_entropy(logits, rows, vocab, targets, kOriginalPrecision);
  }
  return cache.ce.loss;
}

void mtp_backward(const ModelConfig& c, const MtpWeights& w, SharedHead shared, const MtpCache& cache,
                  double loss_scale, std::span<const double> d_block_out_from_next, std::span<double> d_prev_hidden,
                  MtpWeights& grads, std::span<double> d_embed, std::span<double> d_head) {
  const int h = c.hidden_size, vocab = c.vocab_size, rows = int(cache.prev_row.size());
  std::vector<double> d_block_out;
  {
    OpScope scope(OpKind::kEmbeddingHead, "mtp_head_loss");
    std::vector<double> d_logits = cache.ce.d_logits;
    for (double& d : d_logits) d *= loss_scale;
    const std::vector<double> d_final =
        linear_backward(cache.final_in, shared.head, d_logits, rows, vocab, h, d_head, kOriginalPrecision);
    d_block_out = current_backend().rmsnorm_backward(cache.block_out, rows, h, h, w.final_norm, c.rms_norm_eps,
                                                     d_final, grads.final_norm, cache.precision);
    for (size_t i = 0; i < d_block_out_from_next.size(); ++i) d_block_out[i] += d_block_out_from_next[i];
  }
  const std::vector<double> d_projected = block_backward(c, w.block, cache.block, d_block_out, grads.block);
  const std::vector<double> d_cat = timed(OpKind::kEmbeddingHead, "mtp_proj", [&] {
    return linear_backward(cache.cat, w.proj, d_projected, rows, h, 2 * h, grads.proj, cache.precision);
  });
  std::vector<double> d_h_sel, d_e_sel;
  {
    OpScope scope(OpKind::kNormElementwise, "mtp_norms");
    std::vector<double> d_hn(size_t(rows) * h), d_en(size_t(rows) * h);
    for (int r = 0; r < rows; ++r) {
      std::copy_n(&d_cat[size_t(r) * 2 * h], h, &d_hn[size_t(r) * h]);
      std::copy_n(&d_cat[size_t(r) * 2 * h + h], h, &d_en[size_t(r) * h]);
    }
    ComputeBackend& backend = current_backend();
    d_h_sel = backend.rmsnorm_backward(cache.h_sel, rows, h, h, w.hnorm, c.rms_norm_eps, d_hn, grads.hnorm,
                                       cache.precision);
    d_e_sel = backend.rmsnorm_backward(cache.e_sel, rows, h, h, w.enorm, c.rms_norm_eps, d_en, grads.enorm,
                                       cache.precision);
  }
  OpScope scope(OpKind::kEmbeddingHead, "mtp_embedding");
  current_backend().embedding_backward(cache.next_ids, h, d_e_sel, d_embed, cache.precision);
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < h; ++i) d_prev_hidden[size_t(cache.prev_row[r]) * h + i] += d_h_sel[size_t(r) * h + i];
}

}  // namespace trainsim::kernels::model
