// run_in_child: runs a function in a forked child process and hands its result back through a pipe. SimGrid
// allows one simulation per process, so the event engine runs each in a child of its own; `trainsim bench`
// also uses a child per case to measure its peak memory alone.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace trainsim {

// Returns what `simulate` returned in the child. Throws std::runtime_error with the child's message when it
// threw, and when it crashed or exited without a result.
// `peak_rss_bytes`, when given, receives the child's peak resident memory.
std::vector<double> run_in_child(const std::function<std::vector<double>()>& simulate, double* peak_rss_bytes = nullptr);
// The same for a result of raw bytes.
std::string run_in_child_bytes(const std::function<std::string()>& work, double* peak_rss_bytes = nullptr);

// What one child of run_in_children returned: its bytes, or the message it threw (or why it died).
struct ChildResult {
  std::string bytes;
  std::string error;  // empty when the child returned
  double cpu_s = 0;   // the CPU time it used, user and system (wait4's rusage): its cost, whoever ran beside it
  bool ok() const { return error.empty(); }
};

// Runs each work function in a child of its own, at most `parallel` at a time, and returns their results in
// order: independent simulations on all cores. A child that throws or dies fails alone.
std::vector<ChildResult> run_in_children(const std::vector<std::function<std::string()>>& works, int parallel);

}  // namespace trainsim
