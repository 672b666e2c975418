// Runs the trainsim binary as a child process (one simulation per process, as the engine will need) and
// captures its exit code, signal, standard output and standard error.
#pragma once
#include <string>
#include <vector>

namespace trainsim::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, 0 when it exited
  std::string out;
  std::string err;
};

struct RunOptions {
  std::string working_dir;     // empty keeps the current one
  std::string stdin_path;      // empty: /dev/null
  unsigned time_limit_s = 0;   // 0: none; else a run past it ends by SIGALRM (a hang shows as a signal)
};

// `args` excludes the program name.
ProcessResult run_trainsim(const std::vector<std::string>& args, const RunOptions& options);
inline ProcessResult run_trainsim(const std::vector<std::string>& args, const std::string& working_dir = "") {
  return run_trainsim(args, RunOptions{working_dir, "", 0});
}

}  // namespace trainsim::testing
