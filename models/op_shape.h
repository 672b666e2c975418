// OpShape: the kernel shape of a compute op, which a shape-following op-time model (hardware/) prices it by:
// a GEMM's dimensions, possibly grouped, or an attention call's. The op catalog (op_catalog.cc) fills it where it
// builds the op; ops with no tensor-core kernel (norms, casts, the router, communication) carry none.
#pragma once
#include <cstdint>
#include <variant>
#include <vector>

namespace trainsim::models {

// C[rows x n] = A[rows x k] B[n x k]^T in each of `groups` groups: a dense GEMM has one group; the routed
// experts' grouped GEMM has one per local expert, each with its share of the routed rows: the balanced share
// (scaled by OpContext::expert_load_factor), or each expert's own where the context gives them
// (OpContext::routed_rows_by_expert).
struct GemmDims {
  GemmDims() = default;
  GemmDims(std::int64_t groups_, std::int64_t rows_per_group_, std::int64_t n_, std::int64_t k_)
      : groups(groups_), rows_per_group(rows_per_group_), n(n_), k(k_) {}

  std::int64_t groups = 1;
  std::int64_t rows_per_group = 0;  // M of each group (their mean, rounded, where the groups are uneven)
  std::int64_t n = 0;
  std::int64_t k = 0;  // the contracted dimension (the mean where uneven groups contract their tokens)
  // Each group's tokens where the router split them unevenly; empty: every group has rows_per_group. They are
  // each group's M (Fprop, Dgrad), or its contracted k in a Wgrad (tokens_are_k), which contracts over each
  // expert's own tokens.
  std::vector<std::int64_t> tokens_by_group;
  bool tokens_are_k = false;

  bool uneven() const { return !tokens_by_group.empty(); }
  // Group g alone: one group of its own tokens.
  GemmDims group(std::size_t g) const {
    GemmDims one(1, rows_per_group, n, k);
    (tokens_are_k ? one.k : one.rows_per_group) = tokens_by_group.at(g);
    return one;
  }
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
  // Context parallelism's degree: > 1, this GPU holds 2 of the sequence's 2 cp chunks of queries (the
  // load-balanced causal split) and attends to the whole sequence's keys (hw::AttentionShape prices it).
  std::int64_t context_parallel = 1;
};

// std::monostate: the op has no kernel shape.
using OpShape = std::variant<std::monostate, GemmDims, AttentionDims>;

}  // namespace trainsim::models
