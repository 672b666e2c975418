// Host helpers of the FP8 check and benchmark drivers: uploads of CPU-quantized operands and output
// widening, beside the shared device buffers and event timing of kernels/common.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_buffer.cuh"
#include "kernels/common/gpu_timing.cuh"
#include "kernels/fp8/quantize.h"

namespace trainsim::kernels::fp8 {

// The shared driver tools, under the names this family's drivers use.
using kernels::DeviceBuffer;
using kernels::has_cuda_device;
using kernels::kSkipExitCode;
using kernels::median_seconds;

struct DeviceQuantized {
  DeviceBuffer<uint8_t> codes;
  DeviceBuffer<float> scales;
  explicit DeviceQuantized(const QuantizedMatrix& q) : codes(q.codes), scales(q.scales) {}
};

// BF16 bits widened to float, or FP32 as is.
inline std::vector<float> widen_output(const std::vector<uint8_t>& raw, bool bf16) {
  const size_t n = bf16 ? raw.size() / 2 : raw.size() / 4;
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (bf16) {
      uint32_t bits = static_cast<uint32_t>(raw[2 * i]) | static_cast<uint32_t>(raw[2 * i + 1]) << 8;
      bits <<= 16;
      std::memcpy(&out[i], &bits, 4);
    } else {
      std::memcpy(&out[i], &raw[4 * i], 4);
    }
  }
  return out;
}

}  // namespace trainsim::kernels::fp8
