// layer_check_bounds.h's bounds (the derivations are there).
#include "kernels/model/layer_check_bounds.h"

#include <cmath>

#include "kernels/mla/mla_tolerances.h"

namespace trainsim::kernels::model {

double gemm_bound(GemmPrecision precision, int k) {
  switch (precision) {
    case GemmPrecision::kBF16:
      return 2 * (k - 1) * std::ldexp(1.0, -24);
    case GemmPrecision::kFP8: {
      const double per_block = 4 * 33 * std::ldexp(1.0, -13) + std::ldexp(1.0, -24);
      return 2 * per_block * std::pow(1 + std::ldexp(1.0, -4), 2);  // blocks' bounds add with their sums
    }
    case GemmPrecision::kFP64:
      return 2 * (k - 1) * std::ldexp(1.0, -53);
  }
  return 0;
}

double chain_budget(GemmPrecision precision, int gemms, int attention_passes, int memory_bound_ops) {
  double gemm = 0;
  if (precision == GemmPrecision::kBF16) gemm = gemms * std::ldexp(1.0, -8);
  if (precision == GemmPrecision::kFP8) gemm = std::sqrt(2.0 * gemms) * std::ldexp(1.0, -4) / std::sqrt(3.0);
  const double memory_bound = memory_bound_ops * (precision == GemmPrecision::kFP64 ? 1e-12 : std::ldexp(1.0, -8));
  return gemm + attention_passes * kBf16OutputRelL2 + memory_bound;
}

double memory_bound_op_bound(GemmPrecision precision, bool stored) {
  if (precision == GemmPrecision::kFP64) return 1e-12;
  return stored ? std::ldexp(1.0, -8) : std::ldexp(1.0, -10);
}

}  // namespace trainsim::kernels::model
