// Holding a stream while the host queues the work to be timed, so that CUDA events time the kernels and not the
// host's launches. An event recorded on an idle stream completes at once; the first kernel after it starts only
// when the host has finished launching it, so the interval holds that launch (cuBLASLt's host code, a tensor map's
// encoding). The first H200 run (kernels/runs/2026-12-04-h200) showed it: a cuBLASLt GEMM of the reduced model
// timed 22-39 us in the step, alone on an idle stream, and about 10 us in batches of 4 (kernels/model/NOTES.md).
// A hold kernel queued first keeps the stream busy until the host is done queueing, and the events then time the
// device's work alone: what the simulator prices.
#pragma once
#include <cuda_runtime.h>

namespace trainsim::kernels {

// Queues on `stream` one single-thread kernel that spins for `seconds` by the device's global timer, then returns.
// It holds the GPU's attention for nothing: use it only ahead of work that is timed by events.
void hold_stream(cudaStream_t stream, double seconds);

}  // namespace trainsim::kernels
