// One pre-norm DeepSeek-V3 layer (arXiv 2412.19437, section 2.1; the released model.py's Block):
// h = x + MLA(RMSNorm(x)); y = h + FFN(RMSNorm(h)), FFN a dense SwiGLU MLP or the MoE layer.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/mla_attention_block.h"
#include "kernels/model/model_config.h"
#include "kernels/model/moe_layer.h"

namespace trainsim::kernels::model {

struct BlockWeights {
  bool is_moe = false;
  std::vector<double> attn_norm;  // [hidden]
  MlaWeights mla;
  std::vector<double> ffn_norm;  // [hidden]
  SwigluWeights dense;           // when !is_moe
  MoeWeights moe;                // when is_moe

  static BlockWeights zeros(const ModelConfig& c, bool is_moe);
};

struct BlockCache {
  int rows = 0;
  std::vector<double> x, h;     // block input, residual after attention
  std::vector<double> attn_in;  // RMSNorm(x)
  std::vector<double> ffn_in;   // RMSNorm(h)
  MlaCache mla;
  SwigluCache dense;
  MoeCache moe;
  double balance_loss = 0;  // the MoE's sequence-wise balance loss (sequence_balance_loss.h); 0 in a dense block
  // Set by the caller before forward: DeepSeek-V3's recomputation (arXiv 2412.19437, sections 3.2.3 and 3.3.3). The
  // two RMSNorms' outputs (attn_in, ffn_in and the sublayers' copies of them as their inputs) are dropped and
  // recomputed in backward from x and h; the MLA layer drops and recomputes its own (MlaCache::recompute_norms_and_up);
  // the dense MLP's and every expert's SwiGLU output is dropped and recomputed from its input (drop_swiglu_output).
  bool deepseek_recomputation = false;
};

// Bytes the block keeps of what recomputation concerns: the MLA cache (cached_bytes), attn_in, ffn_in, the FFN's
// copies of its input (the dense MLP's, or the MoE's and its shared expert's) and its SwiGLU outputs (the dense MLP's,
// or the shared and routed experts'); doubles, 8 bytes each.
size_t recomputed_outputs_cached_bytes(const BlockCache& cache);

// bias: the MoE layer's selection bias (ignored by a dense block). A MoE block also computes its balance loss into
// cache.balance_loss, whose gradient block_backward includes: the caller adds that loss to the one it minimises.
std::vector<double> block_forward(const ModelConfig& c, const BlockWeights& w, std::span<const double> bias,
                                  const VarlenBatch& batch, std::span<const double> x, BlockCache& cache,
                                  GemmPrecision precision = GemmPrecision::kFP64);
// Returns dx and adds every weight's gradient into `grads`.
std::vector<double> block_backward(const ModelConfig& c, const BlockWeights& w, const BlockCache& cache,
                                   std::span<const double> dy, BlockWeights& grads);

}  // namespace trainsim::kernels::model
