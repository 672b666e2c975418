// run_in_child: runs a function in a forked child process and hands its result back through a pipe. The
// event engine allows one SimGrid simulation per process (docs/simgrid.md#one-simulation-per-process), so tests and
// `trainsim bench` run each simulation in a child of its own.
#pragma once
#include <functional>
#include <vector>

namespace trainsim {

// Returns what `simulate` returned in the child. Throws std::runtime_error with the child's message when it
// threw, and when it crashed or exited without a result.
// `peak_rss_bytes`, when given, receives the child's peak resident memory.
std::vector<double> run_in_child(const std::function<std::vector<double>()>& simulate, double* peak_rss_bytes = nullptr);

}  // namespace trainsim
