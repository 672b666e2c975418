// Event timing for every kernel family's benchmarks (docs/kernel-method.md): warm up, then the median of repeated
// samples, each timed with CUDA events on the stream.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "kernels/common/cuda_check.cuh"

namespace trainsim::kernels {

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

// The same with one call per sample, for work that is long enough to time alone.
inline double median_seconds(const std::function<void()>& fn, int warmup, int samples, cudaStream_t stream = nullptr) {
  return median_seconds([&fn](int) { fn(); }, warmup, samples, stream, 1);
}

}  // namespace trainsim::kernels
