// FP64 attention references: naive, flash-style blocked, and the backward pass by the textbook formulas
// (dP = dO V^T, dS = P (dP - rowsum(dO * O)), dQ = scale dS K, dK = scale dS^T Q, dV = P^T dO).
#include "kernels/mla/mla_attention_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "kernels/common/parallel_for.h"

namespace trainsim::kernels {

namespace {

void check_sizes(const AttentionShape& s, size_t q, size_t k, size_t v) {
  const size_t rows = size_t(s.batch.total_tokens()) * s.heads;
  if (q != rows * s.qk_dim || k != rows * s.qk_dim || v != rows * s.v_dim)
    throw std::invalid_argument("attention reference: tensor sizes do not match the shape");
}

double dot(const double* a, const double* b, int n) {
  double acc = 0;
  for (int i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

// Offsets of token t, head h in the [tokens][heads][dim] layouts.
struct Index {
  const AttentionShape& s;
  size_t qk(int t, int h) const { return (size_t(t) * s.heads + h) * s.qk_dim; }
  size_t vd(int t, int h) const { return (size_t(t) * s.heads + h) * s.v_dim; }
  size_t row(int t, int h) const { return size_t(t) * s.heads + h; }
};

}  // namespace

AttentionForwardRef attention_forward_ref(const AttentionShape& s, std::span<const double> q, std::span<const double> k,
                                          std::span<const double> v) {
  check_sizes(s, q.size(), k.size(), v.size());
  const Index ix{s};
  const double scale = s.softmax_scale();
  AttentionForwardRef out{std::vector<double>(size_t(s.batch.total_tokens()) * s.heads * s.v_dim),
                          std::vector<double>(size_t(s.batch.total_tokens()) * s.heads)};
  parallel_for(s.heads * s.batch.sequences(), [&](int task) {
    const int h = task % s.heads, seq = task / s.heads;
    std::vector<double> p;
    const int base = s.batch.cu_seqlens[seq];
    for (int i = 0; i < s.batch.length(seq); ++i) {
      p.assign(size_t(i) + 1, 0);
      double m = -std::numeric_limits<double>::infinity();
      for (int j = 0; j <= i; ++j) {
        p[j] = scale * dot(&q[ix.qk(base + i, h)], &k[ix.qk(base + j, h)], s.qk_dim);
        m = std::max(m, p[j]);
      }
      double sum = 0;
      for (double& x : p) sum += (x = std::exp(x - m));
      double* o = &out.o[ix.vd(base + i, h)];
      for (int j = 0; j <= i; ++j)
        for (int c = 0; c < s.v_dim; ++c) o[c] += p[j] / sum * v[ix.vd(base + j, h) + c];
      out.lse[ix.row(base + i, h)] = m + std::log(sum);
    }
  });
  return out;
}

AttentionForwardRef attention_forward_blocked_ref(const AttentionShape& s, std::span<const double> q,
                                                  std::span<const double> k, std::span<const double> v,
                                                  int block_keys) {
  check_sizes(s, q.size(), k.size(), v.size());
  if (block_keys < 1) throw std::invalid_argument("attention reference: block_keys must be positive");
  const Index ix{s};
  const double scale = s.softmax_scale();
  AttentionForwardRef out{std::vector<double>(size_t(s.batch.total_tokens()) * s.heads * s.v_dim),
                          std::vector<double>(size_t(s.batch.total_tokens()) * s.heads)};
  parallel_for(s.heads * s.batch.sequences(), [&](int task) {
    const int h = task % s.heads, seq = task / s.heads;
    std::vector<double> acc(s.v_dim), block(block_keys);
    const int base = s.batch.cu_seqlens[seq];
    for (int i = 0; i < s.batch.length(seq); ++i) {
      double m = -std::numeric_limits<double>::infinity(), l = 0;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int j0 = 0; j0 <= i; j0 += block_keys) {
        const int j1 = std::min(i + 1, j0 + block_keys);
        double block_max = -std::numeric_limits<double>::infinity();
        for (int j = j0; j < j1; ++j) {
          block[j - j0] = scale * dot(&q[ix.qk(base + i, h)], &k[ix.qk(base + j, h)], s.qk_dim);
          block_max = std::max(block_max, block[j - j0]);
        }
        const double m_new = std::max(m, block_max);
        const double alpha = std::exp(m - m_new);  // exp(-inf) = 0 on the first block
        l *= alpha;
        for (double& a : acc) a *= alpha;
        for (int j = j0; j < j1; ++j) {
          const double p = std::exp(block[j - j0] - m_new);
          l += p;
          for (int c = 0; c < s.v_dim; ++c) acc[c] += p * v[ix.vd(base + j, h) + c];
        }
        m = m_new;
      }
      for (int c = 0; c < s.v_dim; ++c) out.o[ix.vd(base + i, h) + c] = acc[c] / l;
      out.lse[ix.row(base + i, h)] = m + std::log(l);
    }
  });
  return out;
}

AttentionGradsRef attention_backward_ref(const AttentionShape& s, std::span<const double> q, std::span<const double> k,
                                         std::span<const double> v, std::span<const double> d_o) {
  check_sizes(s, q.size(), k.size(), v.size());
  if (d_o.size() != v.size()) throw std::invalid_argument("attention reference: dO size does not match");
  const Index ix{s};
  const double scale = s.softmax_scale();
  const AttentionForwardRef fwd = attention_forward_ref(s, q, k, v);
  AttentionGradsRef g{std::vector<double>(q.size()), std::vector<double>(k.size()), std::vector<double>(v.size())};
  // Each (sequence, head) task writes only its own slices of dq, dk, dv.
  parallel_for(s.heads * s.batch.sequences(), [&](int task) {
    const int h = task % s.heads, seq = task / s.heads;
    const int base = s.batch.cu_seqlens[seq];
    for (int i = 0; i < s.batch.length(seq); ++i) {
      const size_t qi = ix.qk(base + i, h), vi = ix.vd(base + i, h);
      const double lse = fwd.lse[ix.row(base + i, h)];
      const double delta = dot(&d_o[vi], &fwd.o[vi], s.v_dim);  // rowsum(dO * O)
      for (int j = 0; j <= i; ++j) {
        const size_t kj = ix.qk(base + j, h), vj = ix.vd(base + j, h);
        const double pij = std::exp(scale * dot(&q[qi], &k[kj], s.qk_dim) - lse);
        const double dp = dot(&d_o[vi], &v[vj], s.v_dim);
        const double ds = pij * (dp - delta);
        for (int c = 0; c < s.qk_dim; ++c) {
          g.dq[qi + c] += scale * ds * k[kj + c];
          g.dk[kj + c] += scale * ds * q[qi + c];
        }
        for (int c = 0; c < s.v_dim; ++c) g.dv[vj + c] += pij * d_o[vi + c];
      }
    }
  });
  return g;
}

}  // namespace trainsim::kernels
