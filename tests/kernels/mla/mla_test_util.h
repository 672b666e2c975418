// Helpers for the MLA reference tests: seeded random vectors and relative L2 distance in FP64.
#pragma once
#include <cmath>
#include <span>
#include <vector>

#include "kernels/common/random_fill.h"

namespace trainsim::kernels::testing {

inline std::vector<double> random_doubles(size_t n, unsigned long long seed, float stddev = 1.0f) {
  std::vector<float> f(n);
  fill_normal(f, seed, stddev);
  return std::vector<double>(f.begin(), f.end());
}

inline double rel_l2(std::span<const double> a, std::span<const double> ref) {
  double d = 0, r = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    d += (a[i] - ref[i]) * (a[i] - ref[i]);
    r += ref[i] * ref[i];
  }
  return r > 0 ? std::sqrt(d / r) : std::sqrt(d);
}

}  // namespace trainsim::kernels::testing
