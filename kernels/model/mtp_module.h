// One multi-token-prediction module (arXiv 2412.19437, section 2.2, equations 21-25), depth k: for each position
// i with a token t_{i+k}, h'_i = M_k [RMSNorm(h_i^{k-1}); RMSNorm(Emb(t_{i+k}))] (M_k: 2h -> h), one transformer
// block, then the shared output head predicts t_{i+k+1}. h^0 is the main model's last hidden state, h^{k-1} the
// block output of depth k - 1. The embedding table and head are the main model's.
// NOTE: the RMSNorm before the shared head (the released checkpoint's `shared_head.norm`) is the module's own.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/cross_entropy.h"
#include "kernels/model/transformer_block.h"

namespace trainsim::kernels::model {

struct MtpWeights {
  std::vector<double> hnorm;       // [hidden], RMSNorm of the previous depth's hidden state
  std::vector<double> enorm;       // [hidden], RMSNorm of the next token's embedding
  std::vector<double> proj;        // [hidden][2 hidden], M_k
  BlockWeights block;              // TRM_k
  std::vector<double> final_norm;  // [hidden], before the shared head

  static MtpWeights zeros(const ModelConfig& c);
};

struct MtpCache {
  VarlenBatch batch;          // each sequence k tokens shorter than the model's: position i needs t_{i+k}
  std::vector<int> prev_row;  // per row: the row of h^{k-1} it extends
  std::vector<int> next_ids;  // t_{i+k}
  std::vector<double> h_sel, e_sel, cat, block_out, final_in;  // block_out: h^k, which depth k + 1 extends
  BlockCache block;
  CrossEntropyResult ce;  // targets t_{i+k+1} (none for the sequence's last row)
  GemmPrecision precision = GemmPrecision::kFP64;  // of the projection and the block (the head stays FP64)
};

// What depth k reads: the model's sequences and tokens, and h^{k-1} over its own packed rows.
struct MtpInput {
  const VarlenBatch& batch;             // the model's sequences
  std::span<const int> ids;             // the model's tokens
  int depth = 1;                        // k >= 1
  const VarlenBatch& prev_batch;        // rows of prev_hidden: `batch` for k = 1, depth k - 1's cache.batch after
  std::span<const double> prev_hidden;  // h^{k-1}: [prev_batch tokens][hidden]
};

// The shared parameters the module reads (and, in backward, whose gradients it adds to).
struct SharedHead {
  std::span<const double> embed;  // [vocab][hidden]
  std::span<const double> head;   // [vocab][hidden]
};

// Returns the module's cross-entropy (mean over positions with a target t_{i+k+1}).
double mtp_forward(const ModelConfig& c, const MtpWeights& w, SharedHead shared, std::span<const double> bias,
                   const MtpInput& in, MtpCache& cache, GemmPrecision precision = GemmPrecision::kFP64);
// Backward of loss_scale x the module's loss plus its block's balance loss (cache.block.balance_loss, unscaled),
// plus d_block_out_from_next . h^k (depth k + 1's gradient on this depth's block output; empty for the last
// depth): adds d h^{k-1} into d_prev_hidden and the gradients of w, embed, head.
void mtp_backward(const ModelConfig& c, const MtpWeights& w, SharedHead shared, const MtpCache& cache,
                  double loss_scale, std::span<const double> d_block_out_from_next, std::span<double> d_prev_hidden,
                  MtpWeights& grads, std::span<double> d_embed, std::span<double> d_head);

}  // namespace trainsim::kernels::model
