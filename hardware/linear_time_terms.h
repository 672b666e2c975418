// LinearTimeTerms: one kernel call's time as a linear combination of shape-derived terms, so that the
// constants of the shape models (gemm/attention/memory_time_model.h) are coefficients a least-squares fit recovers.
#pragma once
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.h"

namespace trainsim::hw {

// seconds = launch_s x launches + fixed_s + max(sum_i c_i x work_i, floor_s)
// The floor is what no kernel can beat (bytes over the datasheet HBM bandwidth, FLOPs over the datasheet
// peak); it takes no fitted constant, so a point it binds informs only the launch cost. `fixed_s` is time
// that takes no constant either: where several kernels are summed into one row (a calibration's group point),
// the floors of those the floor binds.
struct LinearTimeTerms {
  std::vector<double> work;  // the model's work terms, in the order of its constants
  double launches = 1;       // kernels launched for the call
  double floor_s = 0;
  double fixed_s = 0;

  double work_s(std::span<const double> work_coefficients) const {
    TS_CHECK(work_coefficients.size() == work.size(), "{} coefficients for {} terms", work_coefficients.size(),
             work.size());
    double sum = 0;
    for (std::size_t i = 0; i < work.size(); ++i) sum += work_coefficients[i] * work[i];
    return sum;
  }
  double seconds(std::span<const double> work_coefficients, double launch_s) const {
    return launch_s * launches + fixed_s + std::max(work_s(work_coefficients), floor_s);
  }

  // The terms of several kernels run one after another, under the constants `c` (work coefficients, then the
  // launch cost): each kernel adds its work terms, or its floor where the floor binds it.
  static LinearTimeTerms sum(std::span<const LinearTimeTerms> kernels, std::span<const double> c) {
    TS_CHECK(!kernels.empty(), "no kernels to sum");
    LinearTimeTerms out;
    out.work.assign(kernels.front().work.size(), 0.0);
    out.launches = 0;
    for (const LinearTimeTerms& k : kernels) {
      TS_CHECK(k.work.size() == out.work.size(), "{} terms summed with {}", k.work.size(), out.work.size());
      out.launches += k.launches;
      out.fixed_s += k.fixed_s;
      if (k.floor_s > k.work_s(c.first(k.work.size()))) {
        out.fixed_s += k.floor_s;
      } else {
        for (std::size_t i = 0; i < k.work.size(); ++i) out.work[i] += k.work[i];
      }
    }
    return out;
  }
};

}  // namespace trainsim::hw
