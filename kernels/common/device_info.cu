// Device description from the CUDA runtime.
#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_info.cuh"

namespace trainsim::kernels {

DeviceInfo query_device(int device) {
  cudaDeviceProp prop{};
  TS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  DeviceInfo info;
  info.name = prop.name;
  info.sm_count = prop.multiProcessorCount;
  info.compute_capability = prop.major * 10 + prop.minor;
  info.memory_bytes = static_cast<double>(prop.totalGlobalMem);
  TS_CUDA_CHECK(cudaDriverGetVersion(&info.driver_version));
  TS_CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_version));
  return info;
}

std::string describe(const DeviceInfo& info) {
  return info.name + ", sm_" + std::to_string(info.compute_capability) + ", " + std::to_string(info.sm_count) +
         " SMs, " + std::to_string(static_cast<long long>(info.memory_bytes / (1 << 30))) + " GiB, driver " +
         std::to_string(info.driver_version) + ", runtime " + std::to_string(info.runtime_version);
}

}  // namespace trainsim::kernels
