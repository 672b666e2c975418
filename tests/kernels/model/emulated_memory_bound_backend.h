// The CUDA back-end's ops besides its GEMMs and attention core as they run on a GPU (memory_bound_on_device.cuh and
// routing_and_optimizer_on_device.cuh: the same host glue, the same kernel source), with the kernels run on the CPU
// through the CUDA emulation shim and "device memory" a host vector poisoned as DeviceBuffer poisons it (0xFF bytes:
// NaN, or -1); every other call the CPU back-end's. What the layer check holds the CUDA back-end to on a GPU
// (model_cuda_check) is rehearsed with it in CI.
// Include it first in a test file: the shim must come before any header that names a CUDA type.
#pragma once
// clang-format off
#include "tests/kernels/common/cuda_host_emulation.h"
#include "kernels/model/routing_and_optimizer_on_device.cuh"
// clang-format on

#include <cstring>
#include <vector>

#include "tests/kernels/model/cpu_delegating_backend.h"

namespace trainsim::kernels::testing {

// DeviceBuffer's interface (kernels/common/device_buffer.cuh) over host memory.
template <typename T>
class HostBuffer {
 public:
  explicit HostBuffer(size_t count) : data_(count) {
    if (count > 0) std::memset(static_cast<void*>(data_.data()), 0xFF, count * sizeof(T));
  }
  explicit HostBuffer(const std::vector<T>& host) : data_(host) {}
  T* get() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  std::vector<T> download() const { return data_; }

 private:
  mutable std::vector<T> data_;  // mutable as device memory is: get() on a const buffer gives a writable pointer
};

struct EmulatedLaunch {
  template <class Kernel, class... Args>
  void operator()(dim3 grid, dim3 block, Kernel kernel, Args... args) const {
    emulation::launch(grid, block, 0, kernel, args...);
  }
};

class EmulatedMemoryBoundBackend final
    : public model::ModelOpsOnDevice<HostBuffer, EmulatedLaunch, CpuDelegatingBackend> {
 public:
  std::string_view name() const override { return "memory-bound kernels, emulated"; }
  int kernel_calls = 0;  // the calls that ran kernels (between start and end)

 protected:
  EmulatedLaunch memory_bound_launch() override { return {}; }
  void start_memory_bound_kernels() override { ++kernel_calls; }
  void end_memory_bound_kernels() override {}
};

}  // namespace trainsim::kernels::testing
