// QK-norm: an RMSNorm of the queries and the keys after their projection and before RoPE, per head over
// head_dim (Qwen3, OLMo 2 per head) or over the whole q and k projections (OLMoE): one norm op on q and k
// together, forward and backward, its input kept for backward.
#pragma once
#include <vector>

#include "models/model_config.h"
#include "models/op.h"

namespace trainsim::models {

struct NormOps {
  std::vector<Op> ops;
  double saved_bytes = 0;
};

// `q_width`, `kv_width`: this GPU's query and key widths (heads over TP x head_dim); none for QkNorm::kNone.
// NOTE: a whole-projection norm under TP sums the squares across the TP ranks (an all-reduce of one FP32 per
// row): rows x 4 bytes beside the rows x width x 2 of the norm itself, not priced.
NormOps qk_norm_ops(QkNorm kind, double rows, double q_width, double kv_width, double head_dim);

}  // namespace trainsim::models
