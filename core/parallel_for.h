// Independent tasks 0 .. n-1 on the machine's cores, each writing only its own slot of the caller's output, so
// what comes out does not depend on the number of threads or their timing (the determinism rule).
#pragma once
#include <cstdint>
#include <functional>

namespace trainsim {

// Runs task(i) for every i in [0, n), on up to `threads` threads (0: one per core, std::thread's count), the
// calling thread among them. Every task runs; then the exception of the lowest index that threw, if any, is
// rethrown here.
void parallel_for(int64_t n, const std::function<void(int64_t)>& task, int threads = 0);

}  // namespace trainsim
