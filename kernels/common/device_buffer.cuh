// DeviceBuffer: device memory owned by one object, for the check and benchmark drivers of every kernel
// family. New buffers are poisoned (0xFF bytes: NaN as FP32 and BF16, the E4M3 NaN code, -1 as integers),
// so an element a kernel fails to write shows as NaN or -1, never as a plausible zero (docs/kernel-method.md).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

#include "kernels/common/cuda_check.cuh"

namespace trainsim::kernels {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) : count_(count) {
    TS_CUDA_CHECK(cudaMalloc(&data_, std::max<size_t>(count, 1) * sizeof(T)));
    poison();
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(DeviceBuffer&& other) noexcept : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
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
  // Copies `host` to the start of the buffer (it may be shorter than the buffer, never longer).
  void upload(const std::vector<T>& host) {
    if (host.size() > count_) throw std::length_error("DeviceBuffer::upload: more elements than the buffer holds");
    TS_CUDA_CHECK(cudaMemcpy(data_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> host(count_);
    TS_CUDA_CHECK(cudaMemcpy(host.data(), data_, bytes(), cudaMemcpyDeviceToHost));
    return host;
  }
  void poison() {
    if (data_) TS_CUDA_CHECK(cudaMemset(data_, 0xFF, bytes()));
  }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

// Exit code of a GPU check that cannot run on this machine: ctest's SKIP_RETURN_CODE for the `gpu` label.
inline constexpr int kSkipExitCode = 77;

inline bool has_cuda_device() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

}  // namespace trainsim::kernels
