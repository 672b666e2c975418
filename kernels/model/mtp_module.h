// One multi-token-prediction module (arXiv 2412.19437, section 2.2, equations 21-25), depth k = 1: for each
// position i with a next token, h'_i = M [RMSNorm(h_i); RMSNorm(Emb(t_{i+1}))] (M: 2h -> h), one transformer
// block, then the shared output head predicts t_{i+2}. The embedding table and head are the main model's.
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
  VarlenBatch batch;          // each sequence one token shorter: position i needs t_{i+1}
  std::vector<int> main_row;  // per MTP row: the main-model row i it extends
  std::vector<int> next_ids;  // t_{i+1}
  std::vector<double> h_sel, e_sel, cat, block_out, final_in;
  BlockCache block;
  CrossEntropyResult ce;  // targets t_{i+2} (none for the sequence's last MTP row)
};

// The shared parameters the module reads (and, in backward, whose gradients it adds to).
struct SharedHead {
  std::span<const double> embed;  // [vocab][hidden]
  std::span<const double> head;   // [vocab][hidden]
};

// h_main: the main model's last hidden state [tokens][hidden] over `batch`; ids: the tokens. Returns the module's
// cross-entropy (mean over positions with a target t_{i+2}).
double mtp_forward(const ModelConfig& c, const MtpWeights& w, SharedHead shared, std::span<const double> bias,
                   const VarlenBatch& batch, std::span<const int> ids, std::span<const double> h_main, MtpCache& cache);
// Backward of loss_scale x the module's loss plus its block's balance loss (cache.block.balance_loss, unscaled):
// adds d h_main into d_h_main and the gradients of w, embed, head.
void mtp_backward(const ModelConfig& c, const MtpWeights& w, SharedHead shared, const MtpCache& cache,
                  double loss_scale, std::span<double> d_h_main, MtpWeights& grads, std::span<double> d_embed,
                  std::span<double> d_head);

}  // namespace trainsim::kernels::model
