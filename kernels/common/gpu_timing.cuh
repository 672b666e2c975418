// Event timing for every kernel family's benchmarks (docs/kernel-method.md): warm up, then the median of repeated
// samples, each timed with CUDA events on the stream.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/stream_hold.cuh"

namespace trainsim::kernels {

// Median over `samples` of the mean time of `batch` back-to-back calls of fn(i) (i counts every call, for
// rotating inputs), after `warmup` calls. Each sample's calls are queued behind a stream hold (stream_hold.cuh)
// lasting twice the host's time to queue a batch (timed on the last warm-up batch) plus 20 us, so the events time
// the kernels and not the host's launches: without it the first launch lies inside the interval, and a kernel
// shorter than its host's launch (a small cuBLASLt GEMM: about 10 us a call on the 2026-12-04 H200) times its
// host.
inline double median_seconds(const std::function<void(int)>& fn, int warmup, int samples, cudaStream_t stream,
                             int batch = 10) {
  int call = 0;
  for (int i = 0; i < warmup; ++i) fn(call++);
  TS_CUDA_CHECK(cudaStreamSynchronize(stream));
  const auto queued_from = std::chrono::steady_clock::now();
  for (int b = 0; b < batch; ++b) fn(call++);
  const double queue_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - queued_from).count();
  TS_CUDA_CHECK(cudaStreamSynchronize(stream));
  const double hold_seconds = 2 * queue_seconds + 20e-6;
  cudaEvent_t start, stop;
  TS_CUDA_CHECK(cudaEventCreate(&start));
  TS_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<double> times;
  for (int i = 0; i < samples; ++i) {
    hold_stream(stream, hold_seconds);
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
