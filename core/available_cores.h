// The cores this process may run on: how many threads (parallel_for) or child processes (sweeps, plan
// re-ranking, a run's distinct steps, a step and its reference) run at once.
#pragma once

namespace trainsim {

// The CPUs of this process's affinity mask (sched_getaffinity: what taskset, cpusets and containers leave it),
// else std::thread::hardware_concurrency(); at least 1. Not the machine's count: two simulations on one allowed
// core take turns every few milliseconds and each evicts the other's working set from the caches.
int available_cores();

}  // namespace trainsim
