// Plain triple loops with the reduction innermost and contiguous where the layout allows; FP64 sums.
#include "kernels/moe/grouped_gemm_ref.h"

#include <algorithm>
#include <cmath>

namespace trainsim::kernels {

void grouped_gemm_fprop_ref(std::span<const int64_t> offsets, std::span<const float> a, std::span<const float> w,
                            int64_t n, int64_t k, std::span<double> d) {
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const float* we = w.data() + e * n * k;
    for (int64_t r = offsets[e]; r < offsets[e + 1]; ++r)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (int64_t i = 0; i < k; ++i) sum += double(a[r * k + i]) * we[j * k + i];
        d[r * n + j] = sum;
      }
  }
}

void grouped_gemm_dgrad_ref(std::span<const int64_t> offsets, std::span<const float> dd, std::span<const float> w,
                            int64_t n, int64_t k, std::span<double> da) {
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const float* we = w.data() + e * n * k;
    for (int64_t r = offsets[e]; r < offsets[e + 1]; ++r) {
      double* out = da.data() + r * k;
      std::fill(out, out + k, 0.0);
      for (int64_t j = 0; j < n; ++j) {
        const double g = dd[r * n + j];
        for (int64_t i = 0; i < k; ++i) out[i] += g * we[j * k + i];
      }
    }
  }
}

void grouped_gemm_wgrad_ref(std::span<const int64_t> offsets, std::span<const float> dd, std::span<const float> a,
                            int64_t n, int64_t k, std::span<double> dw) {
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    double* out = dw.data() + e * n * k;
    std::fill(out, out + n * k, 0.0);
    for (int64_t r = offsets[e]; r < offsets[e + 1]; ++r)
      for (int64_t j = 0; j < n; ++j) {
        const double g = dd[r * n + j];
        for (int64_t i = 0; i < k; ++i) out[j * k + i] += g * a[r * k + i];
      }
  }
}

void swiglu_ref(std::span<const double> h, int64_t rows, int64_t inter, std::span<double> act) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < inter; ++j) {
      const double gate = h[r * 2 * inter + j];
      act[r * inter + j] = gate / (1.0 + std::exp(-gate)) * h[r * 2 * inter + inter + j];
    }
}

void swiglu_backward_ref(std::span<const double> h, int64_t rows, int64_t inter, std::span<const double> d_act,
                         std::span<double> dh) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < inter; ++j) {
      const double gate = h[r * 2 * inter + j], up = h[r * 2 * inter + inter + j];
      const double s = 1.0 / (1.0 + std::exp(-gate));
      const double d = d_act[r * inter + j];
      dh[r * 2 * inter + j] = d * up * s * (1.0 + gate * (1.0 - s));
      dh[r * 2 * inter + inter + j] = d * gate * s;
    }
}

void grouped_swiglu_fprop_ref(std::span<const int64_t> offsets, std::span<const float> a, std::span<const float> w1,
                              int64_t inter, int64_t k, std::span<double> act) {
  const int64_t rows = offsets.back();
  std::vector<double> h(static_cast<size_t>(rows * 2 * inter));
  grouped_gemm_fprop_ref(offsets, a, w1, 2 * inter, k, h);
  swiglu_ref(h, rows, inter, act);
}

}  // namespace trainsim::kernels
