// Peak selection per dtype.
#include "hardware/gpu_spec.h"

namespace trainsim::hw {

double GpuSpec::tensor_peak_flops_per_s(models::Dtype dtype) const {
  switch (dtype) {
    case models::Dtype::kFp8: return fp8_peak_flops_per_s > 0 ? fp8_peak_flops_per_s : bf16_peak_flops_per_s;
    case models::Dtype::kBf16: return bf16_peak_flops_per_s;
    case models::Dtype::kFp32: return tf32_peak_flops_per_s;
  }
  return bf16_peak_flops_per_s;
}

}  // namespace trainsim::hw
