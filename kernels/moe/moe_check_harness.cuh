// Helpers of the MoE check drivers (moe_check, moe_fp8_check): PASS/FAIL lines, poisoned device buffers,
// BF16 inputs with their exact float values, error text. Included by one translation unit per driver.
#pragma once
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_buffer.cuh"
#include "kernels/common/error_metrics.h"
#include "kernels/common/random_fill.h"

namespace trainsim::kernels::moe_harness {

using bf16 = __nv_bfloat16;
inline int g_failures = 0;
inline constexpr int kSkipped = kSkipExitCode;

inline void report(const std::string& name, bool pass, const std::string& detail) {
  std::printf("%-44s %s  %s\n", name.c_str(), pass ? "PASS" : "FAIL", detail.c_str());
  g_failures += pass ? 0 : 1;
}

using kernels::DeviceBuffer;

// Random BF16 values and the same values as float, for the references.
inline std::vector<bf16> random_bf16(size_t n, uint64_t seed, std::vector<float>& exact, float stddev = 1.0f) {
  exact.resize(n);
  fill_normal(exact, seed, stddev);
  std::vector<bf16> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = __float2bfloat16(exact[i]);
    exact[i] = __bfloat162float(out[i]);
  }
  return out;
}

inline std::vector<float> to_float(const std::vector<bf16>& v) {
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = __bfloat162float(v[i]);
  return out;
}

inline std::string error_text(const ErrorMetrics& m) {
  char text[160];
  std::snprintf(text, sizeof text, "rel_l2 %.2e  max_rel %.2e  non_finite %lld", m.relative_l2, m.max_relative, m.non_finite);
  return text;
}

// False (after saying so) when there is no CUDA device: the driver then exits with kSkipped.
inline bool device_present(const char* driver) {
  if (has_cuda_device()) return true;
  std::printf("%s: no CUDA device; skipped\n", driver);
  return false;
}

}  // namespace trainsim::kernels::moe_harness
