// OpShape: the kernel shape of a compute op, which a shape-following op-time model (hardware/) prices it by:
// a GEMM's dimensions, possibly grouped, or an attention call's. The op catalog (op_catalog.cc) fills it where it
// builds the op; ops with no tensor-core kernel (norms, casts, the router, communication) carry none.
#pragma once
#include <cstdint>
#include <variant>

namespace trainsim::models {

// C[rows x n] = A[rows x k] B[n x k]^T in each of `groups` equal groups: a dense GEMM has one group; the routed
// experts' grouped GEMM has one per local expert, each with its share of the routed rows.
// NOTE: the groups are equal because the catalog prices a balanced load (scaled by OpContext's
// expert_load_factor); per-expert row counts from the router would need a vector here, and the grouped Wgrad,
// which contracts over each expert's tokens, groups that differ in k.
struct GemmDims {
  std::int64_t groups = 1;
  std::int64_t rows_per_group = 0;  // M of each group
  std::int64_t n = 0;
  std::int64_t k = 0;  // the contracted dimension

  std::int64_t total_rows() const { return groups * rows_per_group; }
};

// Self-attention of `batch` sequences of `seq` tokens each (queries and keys alike) over the heads one GPU holds.
// The op's pass says which kernel runs it: forward (and forward recomputed in backward) or backward.
struct AttentionDims {
  std::int64_t batch = 0;
  std::int64_t seq = 0;
  std::int64_t heads = 0;  // query heads on this GPU (the model's heads over TP)
  std::int64_t qk_head_dim = 0;
  std::int64_t v_head_dim = 0;
  bool causal = true;
  // Sliding window (models/attention_window.h): each query attends to at most this many keys; 0: none.
  std::int64_t window = 0;
};

// std::monostate: the op has no kernel shape.
using OpShape = std::variant<std::monostate, GemmDims, AttentionDims>;

}  // namespace trainsim::models
