// FP64 CPU references of the causal attention core (forward with log-sum-exp, backward dQ dK dV) over a
// packed batch of variable-length sequences. Layouts as in mla_problem.h: token-major, then head.
#pragma once
#include <span>
#include <vector>

#include "kernels/mla/mla_problem.h"

namespace trainsim::kernels {

struct AttentionForwardRef {
  std::vector<double> o;    // [tokens][heads][v_dim]
  std::vector<double> lse;  // [tokens][heads], natural log of sum_j exp(scale q.k_j)
};

struct AttentionGradsRef {
  std::vector<double> dq;  // [tokens][heads][qk_dim]
  std::vector<double> dk;  // [tokens][heads][qk_dim]
  std::vector<double> dv;  // [tokens][heads][v_dim]
};

// Naive: each query's full score row, max-subtracted softmax, weighted sum of values.
AttentionForwardRef attention_forward_ref(const AttentionShape& shape, std::span<const double> q,
                                          std::span<const double> k, std::span<const double> v);

// Flash-style: keys in blocks of `block_keys`, running max and sum rescaled per block (online softmax), no
// score row longer than one block; must equal the naive form to rounding.
AttentionForwardRef attention_forward_blocked_ref(const AttentionShape& shape, std::span<const double> q,
                                                  std::span<const double> k, std::span<const double> v, int block_keys);

// Gradients of sum(dO * O) with respect to q, k, v; recomputes the forward from the inputs.
AttentionGradsRef attention_backward_ref(const AttentionShape& shape, std::span<const double> q,
                                         std::span<const double> k, std::span<const double> v,
                                         std::span<const double> d_o);

}  // namespace trainsim::kernels
