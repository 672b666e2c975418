// FP64 references of MLA decode: the absorbed core, the absorption of W_UK and W_UV, the unabsorbed form.
#include "kernels/mla/mla_decode_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "kernels/common/parallel_for.h"
#include "kernels/mla/mla_attention_ref.h"

namespace trainsim::kernels {

DecodeRef decode_core_ref(const VarlenBatch& cache, int heads, int qk_dim, int v_dim, double scale,
                          std::span<const double> q, std::span<const double> cache_rows) {
  const int seqs = cache.sequences();
  if (q.size() != size_t(seqs) * heads * qk_dim || cache_rows.size() != size_t(cache.total_tokens()) * qk_dim ||
      v_dim > qk_dim)
    throw std::invalid_argument("decode_core_ref: sizes do not match the cache and heads");
  DecodeRef out{std::vector<double>(size_t(seqs) * heads * v_dim), std::vector<double>(size_t(seqs) * heads)};
  parallel_for(seqs * heads, [&](int row) {
    const int seq = row / heads;
    const int len = cache.length(seq), base = cache.cu_seqlens[seq];
    std::vector<double> p(static_cast<size_t>(len));
    double m = -std::numeric_limits<double>::infinity();
    for (int j = 0; j < len; ++j) {
      double acc = 0;
      for (int c = 0; c < qk_dim; ++c) acc += q[size_t(row) * qk_dim + c] * cache_rows[size_t(base + j) * qk_dim + c];
      p[j] = scale * acc;
      m = std::max(m, p[j]);
    }
    double sum = 0;
    for (double& x : p) sum += (x = std::exp(x - m));
    for (int j = 0; j < len; ++j)
      for (int c = 0; c < v_dim; ++c)
        out.o[size_t(row) * v_dim + c] += p[j] / sum * cache_rows[size_t(base + j) * qk_dim + c];
    out.lse[row] = len > 0 ? m + std::log(sum) : -std::numeric_limits<double>::infinity();
  });
  return out;
}

std::vector<double> absorb_query_ref(const MlaDims& d, std::span<const double> q, std::span<const double> w_ukv) {
  const size_t rows = q.size() / d.qk_dim();
  std::vector<double> out(rows * d.decode_qk_dim());
  for (size_t row = 0; row < rows; ++row) {
    const int h = int(row % d.heads);
    const double* qn = &q[row * d.qk_dim()];
    double* o = &out[row * d.decode_qk_dim()];
    for (int c = 0; c < d.qk_nope; ++c) {
      const double* w = &w_ukv[(size_t(h) * d.kv_up_dim() + c) * d.kv_lora];  // row c of W_UK_h
      for (int l = 0; l < d.kv_lora; ++l) o[l] += qn[c] * w[l];
    }
    for (int r = 0; r < d.qk_rope; ++r) o[d.kv_lora + r] = qn[d.qk_nope + r];
  }
  return out;
}

std::vector<double> absorb_output_ref(const MlaDims& d, std::span<const double> o_latent,
                                      std::span<const double> w_ukv) {
  const size_t rows = o_latent.size() / d.kv_lora;
  std::vector<double> out(rows * d.v_dim);
  for (size_t row = 0; row < rows; ++row) {
    const int h = int(row % d.heads);
    for (int c = 0; c < d.v_dim; ++c) {
      const double* w = &w_ukv[(size_t(h) * d.kv_up_dim() + d.qk_nope + c) * d.kv_lora];  // row c of W_UV_h
      double acc = 0;
      for (int l = 0; l < d.kv_lora; ++l) acc += w[l] * o_latent[row * d.kv_lora + l];
      out[row * d.v_dim + c] = acc;
    }
  }
  return out;
}

std::vector<double> decode_unabsorbed_ref(const MlaDims& d, const VarlenBatch& cache, std::span<const double> q,
                                          std::span<const double> c_kv, std::span<const double> k_rope,
                                          std::span<const double> w_ukv) {
  const int seqs = cache.sequences(), qk = d.qk_dim();
  const double scale = 1.0 / std::sqrt(double(qk));
  std::vector<double> out(size_t(seqs) * d.heads * d.v_dim);
  std::vector<double> k(static_cast<size_t>(qk)), v(static_cast<size_t>(d.v_dim)), p;
  for (int seq = 0; seq < seqs; ++seq) {
    for (int h = 0; h < d.heads; ++h) {
      const double* qh = &q[(size_t(seq) * d.heads + h) * qk];
      const int len = cache.length(seq), base = cache.cu_seqlens[seq];
      p.assign(size_t(len), 0);
      std::vector<std::vector<double>> values(static_cast<size_t>(len));
      double m = -std::numeric_limits<double>::infinity();
      for (int j = 0; j < len; ++j) {
        const double* c = &c_kv[size_t(base + j) * d.kv_lora];
        for (int o = 0; o < d.kv_up_dim(); ++o) {  // [k_nope, v] = W_UKV_h c
          const double* w = &w_ukv[(size_t(h) * d.kv_up_dim() + o) * d.kv_lora];
          double acc = 0;
          for (int l = 0; l < d.kv_lora; ++l) acc += w[l] * c[l];
          if (o < d.qk_nope)
            k[o] = acc;
          else
            v[o - d.qk_nope] = acc;
        }
        for (int r = 0; r < d.qk_rope; ++r) k[d.qk_nope + r] = k_rope[size_t(base + j) * d.qk_rope + r];
        double s = 0;
        for (int c2 = 0; c2 < qk; ++c2) s += qh[c2] * k[c2];
        p[j] = scale * s;
        m = std::max(m, p[j]);
        values[j] = v;
      }
      double sum = 0;
      for (double& x : p) sum += (x = std::exp(x - m));
      double* o = &out[(size_t(seq) * d.heads + h) * d.v_dim];
      for (int j = 0; j < len; ++j)
        for (int c = 0; c < d.v_dim; ++c) o[c] += p[j] / sum * values[j][c];
    }
  }
  return out;
}

}  // namespace trainsim::kernels
