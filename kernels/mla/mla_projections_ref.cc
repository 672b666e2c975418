// FP64 references of MLA's projections, norm, RoPE and q/k/v assembly (formulas in mla_projections_ref.h).
#include "kernels/mla/mla_projections_ref.h"

#include <cmath>
#include <stdexcept>

#include "kernels/common/parallel_for.h"
#include "kernels/common/random_fill.h"
#include "kernels/mla/mla_attention_ref.h"

namespace trainsim::kernels {

std::vector<double> linear_ref(std::span<const double> x, std::span<const double> w, int m, int n, int k) {
  if (x.size() != size_t(m) * k || w.size() != size_t(n) * k)
    throw std::invalid_argument("linear_ref: sizes do not match m, n, k");
  std::vector<double> y(size_t(m) * n);
  parallel_for(m, [&](int r) {
    for (int c = 0; c < n; ++c) {
      double acc = 0;
      for (int i = 0; i < k; ++i) acc += x[size_t(r) * k + i] * w[size_t(c) * k + i];
      y[size_t(r) * n + c] = acc;
    }
  });
  return y;
}

std::vector<double> linear_dgrad_ref(std::span<const double> w, std::span<const double> dy, int m, int n, int k) {
  if (w.size() != size_t(n) * k || dy.size() != size_t(m) * n)
    throw std::invalid_argument("linear_dgrad_ref: sizes do not match m, n, k");
  std::vector<double> dx(size_t(m) * k);
  parallel_for(m, [&](int r) {
    for (int c = 0; c < n; ++c) {
      const double g = dy[size_t(r) * n + c];
      for (int i = 0; i < k; ++i) dx[size_t(r) * k + i] += g * w[size_t(c) * k + i];
    }
  });
  return dx;
}

void linear_wgrad_ref(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw) {
  if (x.size() != size_t(m) * k || dy.size() != size_t(m) * n || dw.size() != size_t(n) * k)
    throw std::invalid_argument("linear_wgrad_ref: sizes do not match m, n, k");
  parallel_for(n, [&](int c) {  // each output row of dw belongs to one task
    for (int r = 0; r < m; ++r) {
      const double g = dy[size_t(r) * n + c];
      for (int i = 0; i < k; ++i) dw[size_t(c) * k + i] += g * x[size_t(r) * k + i];
    }
  });
}

std::vector<double> linear_backward_ref(std::span<const double> x, std::span<const double> w,
                                        std::span<const double> dy, int m, int n, int k, std::span<double> dw) {
  if (x.size() != size_t(m) * k || w.size() != size_t(n) * k || dy.size() != size_t(m) * n || dw.size() != w.size())
    throw std::invalid_argument("linear_backward_ref: sizes do not match m, n, k");
  std::vector<double> dx = linear_dgrad_ref(w, dy, m, n, k);
  linear_wgrad_ref(x, dy, m, n, k, dw);
  return dx;
}

std::vector<double> rmsnorm_ref(std::span<const double> x, int rows, int dim, int stride, std::span<const double> gamma,
                                double eps) {
  if (x.size() < size_t(rows - 1) * stride + dim || gamma.size() != size_t(dim))
    throw std::invalid_argument("rmsnorm_ref: sizes do not match rows, dim, stride");
  std::vector<double> y(size_t(rows) * dim);
  for (int r = 0; r < rows; ++r) {
    double sq = 0;
    for (int c = 0; c < dim; ++c) sq += x[size_t(r) * stride + c] * x[size_t(r) * stride + c];
    const double inv = 1.0 / std::sqrt(sq / dim + eps);
    for (int c = 0; c < dim; ++c) y[size_t(r) * dim + c] = x[size_t(r) * stride + c] * inv * gamma[c];
  }
  return y;
}

std::vector<double> rmsnorm_backward_ref(std::span<const double> x, int rows, int dim, int stride,
                                         std::span<const double> gamma, double eps, std::span<const double> dy,
                                         std::span<double> dgamma) {
  if (x.size() < size_t(rows - 1) * stride + dim || gamma.size() != size_t(dim) || dy.size() != size_t(rows) * dim ||
      dgamma.size() != size_t(dim))
    throw std::invalid_argument("rmsnorm_backward_ref: sizes do not match rows, dim, stride");
  std::vector<double> dx(size_t(rows) * dim);
  for (int r = 0; r < rows; ++r) {
    const double* xr = &x[size_t(r) * stride];
    const double* g = &dy[size_t(r) * dim];
    double sq = 0, dot = 0;
    for (int c = 0; c < dim; ++c) sq += xr[c] * xr[c], dot += gamma[c] * g[c] * xr[c];
    const double inv = 1.0 / std::sqrt(sq / dim + eps);
    for (int c = 0; c < dim; ++c) {
      dx[size_t(r) * dim + c] = inv * gamma[c] * g[c] - xr[c] * inv * inv * inv / dim * dot;
      dgamma[c] += g[c] * xr[c] * inv;
    }
  }
  return dx;
}

void rope_ref(double* x, int dim, int position, double theta) {
  for (int i = 0; i < dim / 2; ++i) {
    const double angle = position * std::pow(theta, -2.0 * i / dim);
    const double c = std::cos(angle), s = std::sin(angle);
    const double a = x[2 * i], b = x[2 * i + 1];
    x[2 * i] = a * c - b * s;
    x[2 * i + 1] = a * s + b * c;
  }
}

void assemble_qkv_ref(const MlaDims& d, std::span<const double> q_up, std::span<const double> kv_up,
                      std::span<const double> kv_down, std::span<const int> positions, MlaQkvRef& out) {
  const size_t tokens = positions.size();
  const int qk = d.qk_dim(), up = d.kv_up_dim(), down = d.kv_down_dim();
  if (q_up.size() != tokens * d.heads * qk || kv_up.size() != tokens * d.heads * up || kv_down.size() != tokens * down)
    throw std::invalid_argument("assemble_qkv_ref: sizes do not match the token count");
  out.q.assign(q_up.begin(), q_up.end());
  out.k.assign(tokens * d.heads * qk, 0);
  out.v.assign(tokens * d.heads * d.v_dim, 0);
  std::vector<double> k_rope(d.qk_rope);
  for (size_t t = 0; t < tokens; ++t) {
    for (int r = 0; r < d.qk_rope; ++r) k_rope[r] = kv_down[t * down + d.kv_lora + r];
    rope_ref(k_rope.data(), d.qk_rope, positions[t], d.rope_theta);
    for (int h = 0; h < d.heads; ++h) {
      const size_t row = t * d.heads + h;
      rope_ref(&out.q[row * qk + d.qk_nope], d.qk_rope, positions[t], d.rope_theta);
      for (int c = 0; c < d.qk_nope; ++c) out.k[row * qk + c] = kv_up[row * up + c];
      for (int r = 0; r < d.qk_rope; ++r) out.k[row * qk + d.qk_nope + r] = k_rope[r];
      for (int c = 0; c < d.v_dim; ++c) out.v[row * d.v_dim + c] = kv_up[row * up + d.qk_nope + c];
    }
  }
}

void assemble_qkv_backward_ref(const MlaDims& d, std::span<const double> dq, std::span<const double> dk,
                               std::span<const double> dv, std::span<const int> positions, std::vector<double>& d_q_up,
                               std::vector<double>& d_kv_up, std::span<double> d_kv_down) {
  const size_t tokens = positions.size();
  const int qk = d.qk_dim(), up = d.kv_up_dim(), down = d.kv_down_dim();
  if (dq.size() != tokens * d.heads * qk || dk.size() != tokens * d.heads * qk ||
      dv.size() != tokens * d.heads * d.v_dim || d_kv_down.size() != tokens * down)
    throw std::invalid_argument("assemble_qkv_backward_ref: sizes do not match the token count");
  d_q_up.assign(dq.begin(), dq.end());
  d_kv_up.assign(tokens * d.heads * up, 0);
  for (size_t t = 0; t < tokens; ++t) {
    double* d_k_rope = &d_kv_down[t * down + d.kv_lora];
    for (int h = 0; h < d.heads; ++h) {
      const size_t row = t * d.heads + h;
      rope_ref(&d_q_up[row * qk + d.qk_nope], d.qk_rope, -positions[t], d.rope_theta);
      for (int c = 0; c < d.qk_nope; ++c) d_kv_up[row * up + c] = dk[row * qk + c];
      for (int r = 0; r < d.qk_rope; ++r) d_k_rope[r] += dk[row * qk + d.qk_nope + r];
      for (int c = 0; c < d.v_dim; ++c) d_kv_up[row * up + d.qk_nope + c] = dv[row * d.v_dim + c];
    }
    rope_ref(d_k_rope, d.qk_rope, -positions[t], d.rope_theta);
  }
}

MlaQkvRef mla_qkv_ref(const MlaDims& d, const MlaWeights& w, std::span<const double> x,
                      std::span<const int> positions,
                      const LinearFn& linear) {
  const int tokens = int(positions.size());
  MlaQkvRef out;
  const std::vector<double> q_down = linear(x, w.w_dq, tokens, d.q_lora, d.hidden);
  out.c_q = rmsnorm_ref(q_down, tokens, d.q_lora, d.q_lora, w.gamma_q, d.rms_eps);
  const std::vector<double> q_up = linear(out.c_q, w.w_uq, tokens, d.heads * d.qk_dim(), d.q_lora);
  out.kv_down = linear(x, w.w_dkv, tokens, d.kv_down_dim(), d.hidden);
  out.c_kv = rmsnorm_ref(out.kv_down, tokens, d.kv_lora, d.kv_down_dim(), w.gamma_kv, d.rms_eps);
  const std::vector<double> kv_up = linear(out.c_kv, w.w_ukv, tokens, d.heads * d.kv_up_dim(), d.kv_lora);
  assemble_qkv_ref(d, q_up, kv_up, out.kv_down, positions, out);
  return out;
}

namespace {
std::vector<double> random_vector(size_t n, unsigned long long seed, double stddev, double mean = 0) {
  std::vector<float> f(n);
  fill_normal(f, seed, static_cast<float>(stddev));
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = mean + f[i];
  return out;
}
}  // namespace

MlaWeights random_mla_weights(const MlaDims& d, unsigned long long seed) {
  MlaWeights w;
  w.w_dq = random_vector(size_t(d.q_lora) * d.hidden, seed + 1, 1 / std::sqrt(double(d.hidden)));
  w.gamma_q = random_vector(size_t(d.q_lora), seed + 2, 0.1, 1.0);
  w.w_uq = random_vector(size_t(d.heads) * d.qk_dim() * d.q_lora, seed + 3, 1 / std::sqrt(double(d.q_lora)));
  w.w_dkv = random_vector(size_t(d.kv_down_dim()) * d.hidden, seed + 4, 1 / std::sqrt(double(d.hidden)));
  w.gamma_kv = random_vector(size_t(d.kv_lora), seed + 5, 0.1, 1.0);
  w.w_ukv = random_vector(size_t(d.heads) * d.kv_up_dim() * d.kv_lora, seed + 6, 1 / std::sqrt(double(d.kv_lora)));
  w.w_o = random_vector(size_t(d.hidden) * d.heads * d.v_dim, seed + 7, 1 / std::sqrt(double(d.heads * d.v_dim)));
  return w;
}

}  // namespace trainsim::kernels
