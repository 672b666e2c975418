// Names of op attributes, for reports and JSON; a grouped GEMM split into its groups' calls.
#include "models/op.h"

#include <variant>

namespace trainsim::models {

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kGemm: return "gemm";
    case OpKind::kGroupedGemm: return "grouped_gemm";
    case OpKind::kAttention: return "attention";
    case OpKind::kNorm: return "norm";
    case OpKind::kElementwise: return "elementwise";
    case OpKind::kQuantize: return "quantize";
    case OpKind::kRouter: return "router";
    case OpKind::kPermute: return "permute";
    case OpKind::kEmbedding: return "embedding";
    case OpKind::kCommunication: return "communication";
  }
  return "unknown";
}

std::string_view dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::kFp8: return "fp8";
    case Dtype::kBf16: return "bf16";
    case Dtype::kFp32: return "fp32";
  }
  return "unknown";
}

std::string_view pass_name(Pass pass) {
  switch (pass) {
    case Pass::kForward: return "F";
    case Pass::kBackwardInput: return "Bi";
    case Pass::kBackwardWeight: return "W";
  }
  return "?";
}

std::string_view comm_kind_name(CommKind kind) {
  switch (kind) {
    case CommKind::kNone: return "none";
    case CommKind::kTpAllReduce: return "tp_all_reduce";
    case CommKind::kTpReduceScatter: return "tp_reduce_scatter";
    case CommKind::kTpAllGather: return "tp_all_gather";
    case CommKind::kEpDispatch: return "ep_dispatch";
    case CommKind::kEpCombine: return "ep_combine";
    case CommKind::kCpAllGather: return "cp_all_gather";
    case CommKind::kCpReduceScatter: return "cp_reduce_scatter";
  }
  return "unknown";
}

std::string_view op_role_name(OpRole role) {
  switch (role) {
    case OpRole::kPre: return "pre";
    case OpRole::kPreTp: return "pre.tp";
    case OpRole::kAttentionCp: return "attention.cp";
    case OpRole::kAttention: return "attention";
    case OpRole::kAttentionTp: return "attention.tp";
    case OpRole::kRouter: return "router";
    case OpRole::kDispatch: return "dispatch";
    case OpRole::kExperts: return "experts";
    case OpRole::kCombine: return "combine";
    case OpRole::kCombineSum: return "combine_sum";
    case OpRole::kMlp: return "mlp";
    case OpRole::kMlpTp: return "mlp.tp";
    case OpRole::kHeadTp: return "head.tp";
    case OpRole::kHead: return "head";
  }
  return "unknown";
}

std::vector<Op> per_group_calls(const Op& op) {
  const auto* dims = std::get_if<GemmDims>(&op.shape);
  if (dims == nullptr || !dims->uneven()) return {op};
  std::vector<Op> calls;
  for (std::size_t g = 0; g < dims->tokens_by_group.size(); ++g) {
    if (dims->tokens_by_group[g] == 0) continue;
    Op one = op;
    one.shape = dims->group(g);
    calls.push_back(std::move(one));
  }
  return calls;
}

}  // namespace trainsim::models
