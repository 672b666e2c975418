// Error of a kernel's output against a higher-precision reference: ||out - ref|| / ||ref||, the maximum
// element-wise relative error, and whether any output is NaN or infinite (which never passes).
#pragma once
#include <span>

namespace trainsim::kernels {

struct ErrorMetrics {
  double relative_l2 = 0;       // ||out - ref||_2 / ||ref||_2
  double max_relative = 0;      // max |out - ref| / max(|ref|, floor)
  long long non_finite = 0;     // count of NaN or Inf outputs
};

// `floor` keeps the element-wise ratio meaningful where the reference is near zero.
ErrorMetrics compare(std::span<const float> out, std::span<const double> ref, double floor = 1e-6);

}  // namespace trainsim::kernels
