// FLOP and byte counts of the MLA problem (formulas in mla_problem.h).
#include "kernels/mla/mla_problem.h"

#include <algorithm>
#include <cmath>

namespace trainsim::kernels {

VarlenBatch VarlenBatch::uniform(int sequences, int length) {
  return from_lengths(std::vector<int>(static_cast<size_t>(sequences), length));
}

VarlenBatch VarlenBatch::from_lengths(const std::vector<int>& lengths) {
  VarlenBatch b;
  for (int len : lengths) b.cu_seqlens.push_back(b.cu_seqlens.back() + len);
  return b;
}

int VarlenBatch::max_length() const {
  int m = 0;
  for (int s = 0; s < sequences(); ++s) m = std::max(m, length(s));
  return m;
}

std::vector<int> VarlenBatch::positions() const {
  std::vector<int> pos;
  pos.reserve(static_cast<size_t>(total_tokens()));
  for (int s = 0; s < sequences(); ++s)
    for (int i = 0; i < length(s); ++i) pos.push_back(i);
  return pos;
}

double VarlenBatch::causal_pairs() const {
  double pairs = 0;
  for (int s = 0; s < sequences(); ++s) pairs += 0.5 * length(s) * (length(s) + 1.0);
  return pairs;
}

double AttentionShape::softmax_scale() const { return scale > 0 ? scale : 1.0 / std::sqrt(double(qk_dim)); }

double attention_forward_flops(const AttentionShape& s) {
  return 2.0 * s.batch.causal_pairs() * s.heads * (s.qk_dim + s.v_dim);
}

double attention_backward_flops(const AttentionShape& s) {
  // QK^T and dS K, dS^T Q over qk_dim; dO V^T and P^T dO over v_dim: 3 qk-sized + 2 v-sized products.
  return 2.0 * s.batch.causal_pairs() * s.heads * (3.0 * s.qk_dim + 2.0 * s.v_dim);
}

double attention_forward_bytes(const AttentionShape& s) {
  const double rows = double(s.batch.total_tokens()) * s.heads;
  return rows * (2.0 * (2 * s.qk_dim + s.v_dim) + 2.0 * s.v_dim + 4.0);  // q k v in, o and lse out
}

double attention_backward_bytes(const AttentionShape& s) {
  const double rows = double(s.batch.total_tokens()) * s.heads;
  const double in = 2.0 * (2 * s.qk_dim + 3 * s.v_dim) + 4.0;  // q k v o dO, lse
  const double out = 2.0 * (2 * s.qk_dim + s.v_dim);           // dq dk dv
  return rows * (in + out);
}

double decode_flops(const VarlenBatch& cache, int heads, int qk_dim, int v_dim) {
  return 2.0 * double(cache.total_tokens()) * heads * (qk_dim + v_dim);
}

double decode_bytes(const VarlenBatch& cache, int heads, int qk_dim, int v_dim) {
  const double seqs = cache.sequences();
  return 2.0 * double(cache.total_tokens()) * qk_dim + seqs * heads * (2.0 * qk_dim + 2.0 * v_dim + 4.0);
}

}  // namespace trainsim::kernels
