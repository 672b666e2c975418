// An op: one kernel-sized unit of work of one micro-batch on one GPU (a GEMM, attention, a norm, the
// router, a dispatch, a combine), with its FLOPs, HBM bytes, the pass it belongs to and its dtype.
#pragma once
#include <string>
#include <string_view>
#include <vector>

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

// F = forward, Bi = backward for inputs, W = backward for weights (the zero-bubble split; B = Bi + W).
enum class Pass { kForward, kBackwardInput, kBackwardWeight };

enum class CommKind { kNone, kTpAllReduce, kTpReduceScatter, kTpAllGather, kEpDispatch, kEpCombine };

// The half of a layer an op belongs to; DualPipe overlaps one chunk's ATTN/MLP with another's all-to-all.
enum class LayerPart { kAttention, kMlp, kOther };

struct Op {
  std::string name;  // "attn.q_up", "moe.experts.down", "moe.dispatch"
  OpKind kind = OpKind::kElementwise;
  Dtype dtype = Dtype::kBf16;
  Pass pass = Pass::kForward;
  LayerPart part = LayerPart::kOther;
  double flops = 0;        // executed FLOPs (flash backward recomputes the scores: 2.5x forward)
  double hbm_bytes = 0;    // bytes read plus written in device memory
  bool recomputed = false; // a forward op re-run inside backward (recompute policy)
  // Communication ops only: bytes this GPU sends, split by the link that carries them.
  CommKind comm = CommKind::kNone;
  double intra_node_bytes = 0;  // NVLink
  double inter_node_bytes = 0;  // InfiniBand (DeepSeek-V3 path: once per target node)

  bool is_communication() const { return kind == OpKind::kCommunication; }
};

std::string_view op_kind_name(OpKind kind);
std::string_view dtype_name(Dtype dtype);
std::string_view pass_name(Pass pass);  // "F", "Bi", "W"
std::string_view comm_kind_name(CommKind kind);

}  // namespace trainsim::models
