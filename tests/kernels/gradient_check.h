// Central finite differences for the law-based gradient checks of tests/kernels/ (every family):
// df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h.
// With h = 1e-5 at FP64 the truncation error is h^2 |f'''| / 6 ~ 2e-11 and the rounding error eps |f| / h ~ 2e-11
// for |f|, |f'''| of order 1, so an entry agrees to ~1e-10 absolute: 1e-6 relative to max(|gradient|, 1e-3)
// leaves a margin of ten for larger third derivatives.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "kernels/common/random_fill.h"

namespace trainsim::kernels::testing {

inline constexpr double kFdStep = 1e-5;
inline constexpr double kGradFloor = 1e-3;      // below it an entry is compared in absolute terms
inline constexpr double kGradTolerance = 1e-6;  // see above

struct GradCheck {
  double max_rel_error = 0;
  size_t checked = 0;
};

// The central difference of loss() in x[i]; x[i] is restored.
inline double central_difference(std::vector<double>& x, size_t i, const std::function<double()>& loss) {
  const double saved = x[i];
  x[i] = saved + kFdStep;
  const double up = loss();
  x[i] = saved - kFdStep;
  const double down = loss();
  x[i] = saved;
  return (up - down) / (2 * kFdStep);
}

// Every entry's central difference: the numeric gradient of loss() with respect to x.
inline std::vector<double> central_differences(std::vector<double>& x, const std::function<double()>& loss) {
  std::vector<double> grad(x.size());
  for (size_t i = 0; i < x.size(); ++i) grad[i] = central_difference(x, i, loss);
  return grad;
}

inline double relative_gap(double fd, double analytic) {
  return std::abs(fd - analytic) / std::max({std::abs(fd), std::abs(analytic), kGradFloor});
}

// Compares analytic[i] with the central difference of loss() in x[i], for up to max_entries entries spread over x
// (all when x is smaller). x is restored after each step.
inline GradCheck check_entries(std::vector<double>& x, std::span<const double> analytic,
                               const std::function<double()>& loss, size_t max_entries = 1u << 30) {
  GradCheck r;
  const size_t stride = std::max<size_t>(1, x.size() / max_entries);
  for (size_t i = 0; i < x.size(); i += stride) {
    r.max_rel_error = std::max(r.max_rel_error, relative_gap(central_difference(x, i, loss), analytic[i]));
    ++r.checked;
  }
  return r;
}

// The directional derivative along a seeded random direction v of unit RMS, which moves every entry at once:
// (f(x + h v) - f(x - h v)) / 2h against analytic . v.
inline double check_direction(std::vector<double>& x, std::span<const double> analytic,
                              const std::function<double()>& loss, unsigned long long seed) {
  std::vector<float> v(x.size());
  fill_normal(v, seed, 1.0f);
  const std::vector<double> saved = x;
  double projected = 0;
  for (size_t i = 0; i < x.size(); ++i) projected += analytic[i] * v[i], x[i] = saved[i] + kFdStep * v[i];
  const double up = loss();
  for (size_t i = 0; i < x.size(); ++i) x[i] = saved[i] - kFdStep * v[i];
  const double down = loss();
  x = saved;
  return relative_gap((up - down) / (2 * kFdStep), projected);
}

// Passes when the largest relative gap is under kGradTolerance; prints it, the figure the reports quote.
inline void expect_gradient(const std::string& what, const GradCheck& r) {
  std::printf("gradient %-32s max relative error %.2e over %zu entries\n", what.c_str(), r.max_rel_error, r.checked);
  EXPECT_LT(r.max_rel_error, kGradTolerance) << what;
}
inline void expect_gradient(const std::string& what, double direction_rel_error) {
  std::printf("gradient %-32s directional relative error %.2e\n", what.c_str(), direction_rel_error);
  EXPECT_LT(direction_rel_error, kGradTolerance) << what;
}

// sum(r * y): a scalar whose gradient with respect to y is r, to check a layer's backward from dy = r.
inline double weighted_sum(std::span<const double> y, std::span<const double> r) {
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += y[i] * r[i];
  return s;
}

}  // namespace trainsim::kernels::testing
