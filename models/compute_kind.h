// ComputeKind: the one vocabulary of "compute by op kind" at every fidelity (analytic, stage, gpu), fine
// enough that nothing large hides in a catch-all. An op's kind follows from its OpKind, its role in the layer and
// its attention_core mark (op.h), all set by the op catalog; never from its name.
#pragma once
#include <array>
#include <string_view>

#include "models/op.h"

namespace trainsim::models {

enum class ComputeKind {
  kAttentionCore,     // the causal attention core, forward and backward: flash's kernels or the unfused core's
  kProjection,        // attention's GEMMs: q/kv down and up projections, o_proj (or GQA's qkv_proj)
  kMlpGemm,           // dense MLP and shared-expert GEMMs
  kExpertGemm,        // routed experts' grouped GEMMs
  kRouter,            // gate GEMM and top-k selection
  kPermute,           // gather into expert order and the weighted combine-sum
  kNormElementwise,   // norms, RoPE, activations, dropouts; MTP's input norms, separate gradient accumulation
  kQuantize,          // FP8 casts of activations ahead of FP8 GEMMs
  kEmbeddingHead,     // embedding lookup/scatter-add, output head, its norm and the loss, MTP input projection
  kOptimizer,         // the optimizer step (reported apart from the step's compute)
};
inline constexpr int kComputeKindCount = static_cast<int>(ComputeKind::kOptimizer) + 1;

// Seconds per kind, indexed by static_cast<int>(ComputeKind).
using ComputeKindSeconds = std::array<double, kComputeKindCount>;

std::string_view compute_kind_name(ComputeKind kind);  // stable snake_case JSON keys: "attention_core", ...
// The kind of a compute op (not a communication op).
ComputeKind compute_kind_of(const Op& op);

}  // namespace trainsim::models
