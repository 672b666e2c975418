// Naming compute kinds and classifying ops by OpKind and role (see compute_kind.h).
#include "models/compute_kind.h"

#include "core/error.h"

namespace trainsim::models {

std::string_view compute_kind_name(ComputeKind kind) {
  switch (kind) {
    case ComputeKind::kAttentionCore: return "attention_core";
    case ComputeKind::kProjection: return "projection";
    case ComputeKind::kMlpGemm: return "mlp_gemm";
    case ComputeKind::kExpertGemm: return "expert_gemm";
    case ComputeKind::kRouter: return "router";
    case ComputeKind::kPermute: return "permute";
    case ComputeKind::kNormElementwise: return "norm_elementwise";
    case ComputeKind::kQuantize: return "quantize";
    case ComputeKind::kEmbeddingHead: return "embedding_head";
    case ComputeKind::kOptimizer: return "optimizer";
  }
  return "unknown";
}

ComputeKind compute_kind_of(const Op& op) {
  TS_CHECK(!op.is_communication(), "{} is communication, not compute", op.name);
  if (op.kind == OpKind::kQuantize) return ComputeKind::kQuantize;
  if (op.kind == OpKind::kAttention || op.attention_core) return ComputeKind::kAttentionCore;
  // The embedding's and the head's own kernels; the norms and element-wise kernels placed ahead of a layer (MTP's
  // input norms, the embedding's dropout, the separate gradient accumulation) are norm_elementwise.
  if (op.kind == OpKind::kEmbedding || op.role == OpRole::kHead || (op.role == OpRole::kPre && op.kind == OpKind::kGemm))
    return ComputeKind::kEmbeddingHead;
  switch (op.kind) {
    case OpKind::kGroupedGemm: return ComputeKind::kExpertGemm;
    case OpKind::kRouter: return ComputeKind::kRouter;
    case OpKind::kPermute: return ComputeKind::kPermute;
    case OpKind::kNorm:
    case OpKind::kElementwise: return ComputeKind::kNormElementwise;
    case OpKind::kGemm:
      switch (op.role) {
        case OpRole::kAttention: return ComputeKind::kProjection;
        case OpRole::kRouter: return ComputeKind::kRouter;
        case OpRole::kExperts:
        case OpRole::kMlp: return ComputeKind::kMlpGemm;
        default: break;
      }
      break;
    default: break;
  }
  TS_CHECK(false, "no compute kind for {} ({} in role {})", op.name, op_kind_name(op.kind), op_role_name(op.role));
  return ComputeKind::kNormElementwise;
}

}  // namespace trainsim::models
