// The machine's cores, as std::thread counts them: how many threads (parallel_for) or child processes
// (sweeps, plan re-ranking, a run's distinct steps, a step and its reference) run at once.
#pragma once

namespace trainsim {

// std::thread::hardware_concurrency(), at least 1 (it may return 0 where the count is unknown).
int available_cores();

}  // namespace trainsim
