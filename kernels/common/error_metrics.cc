// Error metrics in double precision.
#include "kernels/common/error_metrics.h"

#include <algorithm>
#include <cmath>

namespace trainsim::kernels {

ErrorMetrics compare(std::span<const float> out, std::span<const double> ref, double floor) {
  ErrorMetrics m;
  double diff_sq = 0, ref_sq = 0;
  const size_t n = std::min(out.size(), ref.size());
  for (size_t i = 0; i < n; ++i) {
    const double o = out[i];
    if (!std::isfinite(o)) {
      ++m.non_finite;
      continue;
    }
    const double d = o - ref[i];
    diff_sq += d * d;
    ref_sq += ref[i] * ref[i];
    m.max_relative = std::max(m.max_relative, std::fabs(d) / std::max(std::fabs(ref[i]), floor));
  }
  m.relative_l2 = ref_sq > 0 ? std::sqrt(diff_sq / ref_sq) : std::sqrt(diff_sq);
  return m;
}

}  // namespace trainsim::kernels
