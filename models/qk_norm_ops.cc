// QK-norm ops (see qk_norm_ops.h), priced as RMSNorms (models/layer_norms.h) over the query and key values:
// per head, rows x heads rows of head_dim; whole projection, rows of the q and of the k width.
#include "models/qk_norm_ops.h"

#include "models/layer_norms.h"

namespace trainsim::models {

NormOps qk_norm_ops(QkNorm kind, double rows, double q_width, double kv_width, double head_dim) {
  NormOps out;
  if (kind == QkNorm::kNone) return out;
  NormCost cost;
  if (kind == QkNorm::kPerHead) {
    cost = norm_cost(NormKind::kRms, rows * (q_width + kv_width) / head_dim, head_dim);
  } else {
    const NormCost q = norm_cost(NormKind::kRms, rows, q_width), k = norm_cost(NormKind::kRms, rows, kv_width);
    cost = {q.forward_flops + k.forward_flops, q.forward_bytes + k.forward_bytes, q.backward_flops + k.backward_flops,
            q.backward_bytes + k.backward_bytes, q.saved_bytes + k.saved_bytes};
  }
  out.ops.push_back({"attn.qk_norm", OpKind::kNorm, Dtype::kBf16, Pass::kForward, OpRole::kAttention, cost.forward_flops,
                     cost.forward_bytes});
  out.ops.push_back({"attn.qk_norm.bwd", OpKind::kNorm, Dtype::kFp32, Pass::kBackwardInput, OpRole::kAttention,
                     cost.backward_flops, cost.backward_bytes});
  out.saved_bytes = cost.saved_bytes;
  return out;
}

}  // namespace trainsim::models
