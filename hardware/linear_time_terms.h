// LinearTimeTerms: one kernel call's time as a linear combination of shape-derived terms, so that the
// constants of the shape models (gemm/attention/memory_time_model.h) are coefficients a least-squares fit recovers.
#pragma once
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.h"

namespace trainsim::hw {

// seconds = launch_s x launches + max(sum_i c_i x work_i, floor_s)
// The floor is what no kernel can beat (bytes over the datasheet HBM bandwidth, FLOPs over the datasheet
// peak); it takes no fitted constant, so a point it binds informs only the launch cost.
struct LinearTimeTerms {
  std::vector<double> work;  // the model's work terms, in the order of its constants
  double launches = 1;       // kernels launched for the call
  double floor_s = 0;

  double work_s(std::span<const double> work_coefficients) const {
    TS_CHECK(work_coefficients.size() == work.size(), "{} coefficients for {} terms", work_coefficients.size(),
             work.size());
    double sum = 0;
    for (std::size_t i = 0; i < work.size(); ++i) sum += work_coefficients[i] * work[i];
    return sum;
  }
  double seconds(std::span<const double> work_coefficients, double launch_s) const {
    return launch_s * launches + std::max(work_s(work_coefficients), floor_s);
  }
};

}  // namespace trainsim::hw
