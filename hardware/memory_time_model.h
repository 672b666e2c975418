// MemoryTimeModel: memory-bound kernels (norms, casts, FP8 quantization, permutes, element-wise ops, the
// optimizer) from the bytes they move over the achieved HBM bandwidth, plus a launch cost per kernel.
// HBM bandwidth and the CUDA-core peak come from the GpuSpec; the two constants are fitted (op_time_fit.h).
#pragma once
#include <span>
#include <vector>

#include "hardware/gpu_spec.h"
#include "hardware/linear_time_terms.h"

namespace trainsim::hw {

struct MemoryOpShape {
  double bytes = 0;  // read plus written in HBM
  double flops = 0;  // CUDA-core arithmetic; a floor only (it never binds for norms or casts)
  double kernels = 1;  // kernels launched; may be fractional: a calibration's measured kernels per catalog op
};

// Time: kernels x launch_s + max(hbm_time_factor x bytes / HBM bandwidth, flops / (FP32 peak x SMs / SM count)).
// NOTE: the bandwidth does not shrink with the SMs left to compute: a few dozen SMs already saturate HBM on
// Hopper, and the 20 SMs DeepSeek-V3 gives communication leave 112 (docs/sources.md#deepseek-v3-cluster).
struct MemoryConstants {
  double hbm_time_factor = 1;  // >= 1: 1 / achieved fraction of the datasheet HBM bandwidth
  double launch_s = 0;

  std::vector<double> coefficients() const { return {hbm_time_factor, launch_s}; }
  static MemoryConstants from_coefficients(std::span<const double> c);
  static std::vector<double> lower_bounds() { return {1.0, 0.0}; }
};

// No memory-bound kernel is measured in the repository yet: 0.8 of HBM bandwidth and 4 us per kernel are the
// roofline's assumptions (docs/sources.md#roofline-efficiencies).
MemoryConstants assumed_memory_constants();

class MemoryTimeModel {
 public:
  MemoryTimeModel(GpuSpec gpu, MemoryConstants constants);

  LinearTimeTerms terms(const MemoryOpShape& shape, int sms) const;
  double seconds(const MemoryOpShape& shape, int sms) const;

  const MemoryConstants& constants() const { return constants_; }

 private:
  GpuSpec gpu_;
  MemoryConstants constants_;
};

}  // namespace trainsim::hw
