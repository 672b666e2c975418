// fork + exec with stdout and stderr redirected to temporary files.
#include "run_trainsim.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli_test_files.h"

namespace trainsim::testing {

ProcessResult run_trainsim(const std::vector<std::string>& args, const RunOptions& options) {
  char out_path[] = "/tmp/trainsim-test-out-XXXXXX";
  char err_path[] = "/tmp/trainsim-test-err-XXXXXX";
  const int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  ProcessResult result;
  if (out_fd < 0 || err_fd < 0) return result;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    const int in_fd = open(options.stdin_path.empty() ? "/dev/null" : options.stdin_path.c_str(), O_RDONLY);
    if (in_fd < 0) _exit(127);
    dup2(in_fd, 0);
    if (!options.working_dir.empty() && chdir(options.working_dir.c_str()) != 0) _exit(127);
    if (options.time_limit_s > 0) alarm(options.time_limit_s);
    std::vector<char*> argv;
    std::string program = TRAINSIM_BINARY;
    argv.push_back(program.data());
    std::vector<std::string> copies = args;
    for (std::string& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = file_text(out_path);
  result.err = file_text(err_path);
  std::remove(out_path);
  std::remove(err_path);
  return result;
}

}  // namespace trainsim::testing
