// Host helpers of the FP8 check and benchmark drivers: device buffers, poisoning, event timing (median of
// repeats after warm-up, as METHOD.md asks), and uploads of CPU-quantized operands.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/fp8/quantize.h"

namespace trainsim::kernels::fp8 {

// Exit code of a check that cannot run here (ctest's SKIP_RETURN_CODE for the `gpu` label).
inline constexpr int kSkipExitCode = 77;
inline bool has_cuda_device() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) : count_(count) { TS_CUDA_CHECK(cudaMalloc(&data_, std::max<size_t>(count, 1) * sizeof(T))); }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(DeviceBuffer&& other) noexcept : data_(other.data_), count_(other.count_) { other.data_ = nullptr; }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return data_; }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }
  void upload(const std::vector<T>& host) { TS_CUDA_CHECK(cudaMemcpy(data_, host.data(), bytes(), cudaMemcpyHostToDevice)); }
  std::vector<T> download() const {
    std::vector<T> host(count_);
    TS_CUDA_CHECK(cudaMemcpy(host.data(), data_, bytes(), cudaMemcpyDeviceToHost));
    return host;
  }
  // 0xFF bytes: NaN as FP32 and BF16, the E4M3 NaN code, so any element left unwritten is caught.
  void poison() { TS_CUDA_CHECK(cudaMemset(data_, 0xFF, bytes())); }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

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

// Median over `samples` of the mean time of `batch` back-to-back calls of fn(i) (i counts every call, for
// rotating inputs), after `warmup` calls. Back-to-back calls keep host launch overhead (tensor-map encoding,
// cuBLASLt's checks) off the device timeline, so the events time the kernels themselves.
inline double median_seconds(const std::function<void(int)>& fn, int warmup, int samples, cudaStream_t stream,
                             int batch = 10) {
  int call = 0;
  for (int i = 0; i < warmup; ++i) fn(call++);
  TS_CUDA_CHECK(cudaStreamSynchronize(stream));
  cudaEvent_t start, stop;
  TS_CUDA_CHECK(cudaEventCreate(&start));
  TS_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<double> times;
  for (int i = 0; i < samples; ++i) {
    TS_CUDA_CHECK(cudaEventRecord(start, stream));
    for (int b = 0; b < batch; ++b) fn(call++);
    TS_CUDA_CHECK(cudaEventRecord(stop, stream));
    TS_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    TS_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms * 1e-3 / batch);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace trainsim::kernels::fp8
