// parallel_for for the kernels' CPU references and the reduced model: fn(i) for i in [0, n) on a pool of threads
// started once (one per hardware thread, the caller among them), not per call: the model's gradient checks call it
// tens of thousands of times on tiny shapes. Plain C++ (kernels/ builds alone on the GPU machine).
#pragma once

#include <functional>

namespace trainsim::kernels {

// Returns when every fn(i) has returned. Any order, any thread; fn must not throw (a worker that throws ends the
// program, as a std::thread does). A call made from inside fn runs serially on its own thread.
void parallel_for(int n, const std::function<void(int)>& fn);

}  // namespace trainsim::kernels
