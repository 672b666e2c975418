// The stream hold (stream_hold.cuh): one thread spinning on %globaltimer (nanoseconds; it ticks every microsecond
// or so, far finer than the holds asked for).
#include <cstdint>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/stream_hold.cuh"

namespace trainsim::kernels {
namespace {

__device__ std::uint64_t global_timer_ns() {
  std::uint64_t ns;
  asm volatile("mov.u64 %0, %globaltimer;" : "=l"(ns));
  return ns;
}

__global__ void hold_kernel(std::uint64_t hold_ns) {
  const std::uint64_t start = global_timer_ns();
  while (global_timer_ns() - start < hold_ns) __nanosleep(1000);
}

}  // namespace

void hold_stream(cudaStream_t stream, double seconds) {
  if (!(seconds > 0)) return;
  hold_kernel<<<1, 1, 0, stream>>>(static_cast<std::uint64_t>(seconds * 1e9));
  TS_CUDA_CHECK_LAUNCH();
}

}  // namespace trainsim::kernels
