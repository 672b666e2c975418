// An op: one kernel-sized unit of work of one micro-batch on one GPU (a GEMM, attention, a norm, the
// router, a dispatch, a combine), with its FLOPs, HBM bytes, the pass it belongs to, its dtype and, for GEMMs
// and attention, its kernel shape.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "models/ep_dispatch.h"
#include "models/op_shape.h"

namespace trainsim::models {

enum class OpKind {
  kGemm,         // dense GEMM (projections, FFN, output head)
  kGroupedGemm,  // the routed experts' GEMMs over an expert-contiguous layout
  kAttention,    // the causal attention core (flash-style)
  kNorm,         // RMSNorm
  kElementwise,  // activations (SwiGLU), RoPE, residual adds, loss
  kQuantize,     // FP8 casts of activations (1x128 tiles) ahead of FP8 GEMMs
  kRouter,       // top-k selection and gate normalization
  kPermute,      // gather into expert-contiguous order and the weighted combine-sum
  kEmbedding,    // token lookup (forward) and scatter-add (backward)
  kCommunication,
};

enum class Dtype { kFp8, kBf16, kFp32 };

// Bytes of one element: FP8 (E4M3 or E5M2, OCP 8-bit floating point spec) 1, BF16 2, FP32 4.
constexpr double bytes_per_element(Dtype dtype) {
  switch (dtype) {
    case Dtype::kFp8: return 1;
    case Dtype::kBf16: return 2;
    case Dtype::kFp32: return 4;
  }
  return 0;
}

// F = forward, Bi = backward for inputs, W = backward for weights (the zero-bubble split; B = Bi + W).
enum class Pass { kForward, kBackwardInput, kBackwardWeight };

// What compute a communication op is pipelined with (Op::hidden_under).
enum class HiddenUnder { kNothing, kSubBlockGemms, kAttentionCore };

// kCp*: context parallelism's all-gather of K and V before the attention core and reduce-scatter of their
// gradients after its backward (models/layer_builder.h cp_collectives).
enum class CommKind {
  kNone,
  kTpAllReduce,
  kTpReduceScatter,
  kTpAllGather,
  kEpDispatch,
  kEpCombine,
  kCpAllGather,
  kCpReduceScatter,
};

// The role an op plays in its layer: the slot the engine's stage ops place it in (sim/step/stage_ops.h), in
// the order a layer's forward runs them. The op catalog sets it where it builds the op; nothing reads it off
// the op's name. DualPipe overlaps one chunk's attention and MLP with another's all-to-all by these slots.
enum class OpRole {
  kPre,          // ahead of the layer's blocks: embedding lookup, MTP input norms and projection
  kPreTp,        // the vocab-parallel embedding's TP collective (its partial lookups summed)
  kAttentionCp,  // context parallelism's K and V all-gather (and their gradients' reduce-scatter)
  kAttention,    // attention half: norm, projections, RoPE, core
  kAttentionTp,  // its TP collectives
  kRouter,       // MoE norm, gate, top-k
  kDispatch,     // EP dispatch, and in backward its gradient coming back
  kExperts,      // permute, routed and shared experts
  kCombine,      // EP combine, and in backward its gradient going out
  kCombineSum,   // weighted sum of the returned expert outputs
  kMlp,          // a dense layer's MLP
  kMlpTp,        // the MLP's (or MoE block's) TP collectives
  kHeadTp,       // the output head's input TP collective (its gradient summed over the vocabulary shards)
  kHead,         // output head and loss
};
inline constexpr int kOpRoleCount = static_cast<int>(OpRole::kHead) + 1;

struct Op {
  std::string name;  // "attn.q_up", "moe.experts.down", "moe.dispatch"
  OpKind kind = OpKind::kElementwise;
  Dtype dtype = Dtype::kBf16;
  Pass pass = Pass::kForward;
  OpRole role = OpRole::kPre;
  double flops = 0;        // executed FLOPs (flash backward recomputes the scores: 2.5x forward)
  double hbm_bytes = 0;    // bytes read plus written in device memory
  bool recomputed = false; // a forward op re-run inside backward (recompute policy)
  bool routed = false;     // its work grows with the tokens routed to this GPU's experts (permute, routed experts)
  // Communication ops only: bytes this GPU sends, split by the link that carries them.
  CommKind comm = CommKind::kNone;
  double intra_node_bytes = 0;  // NVLink
  double inter_node_bytes = 0;  // InfiniBand (DeepSeek-V3 path: once per target node)
  EpDispatch ep_dispatch = EpDispatch::kPerNode;  // EP ops: the path their all-to-all takes (its kernels' NIC rate)
  // TP and CP collectives only: the NCCL collective behind those bytes (hardware/nccl_collective.h prices it):
  // nccl-tests' size S (the all-reduce's buffer, the all-gather's output, the reduce-scatter's input), the
  // group's ranks and how many of them share a node.
  double message_bytes = 0;
  int group_ranks = 1;
  int group_ranks_per_node = 1;
  // The compute a communication op runs under, hidden as far as that compute lasts (sim/step/comm_overlap.h): a
  // sub-block's TP collective under the sub-block's GEMMs of its pass (OpContext::tp_comm_overlap; never the
  // embedding's and the head's), context parallelism's ring under the attention core (OpContext::cp_comm).
  HiddenUnder hidden_under = HiddenUnder::kNothing;
  // GEMMs, grouped GEMMs and attention: the kernel's dimensions (std::monostate for every other kind).
  OpShape shape{};
  // One of the attention core's ops whatever its kernel kind: the unfused core's batched GEMMs, softmax and
  // dropout (models/attention_core_ops.h) count as attention_core, not as projections and element-wise ops.
  bool attention_core = false;

  bool is_communication() const { return kind == OpKind::kCommunication; }
  bool has_shape() const { return !std::holds_alternative<std::monostate>(shape); }
};

std::string_view op_kind_name(OpKind kind);
std::string_view dtype_name(Dtype dtype);
std::string_view pass_name(Pass pass);  // "F", "Bi", "W"
std::string_view comm_kind_name(CommKind kind);
std::string_view op_role_name(OpRole role);  // "pre", "attention", "attention.tp", ..., "head"

// A grouped GEMM of uneven groups (GemmDims::tokens_by_group) as the calls of its groups run one at a time: one op
// per group with rows, each of its own one-group shape (GemmDims::group), none for a group without rows; any other
// op is itself, alone.
std::vector<Op> per_group_calls(const Op& op);

}  // namespace trainsim::models
