// Fork, run, send the result back as raw bytes (or an error text), _exit: the child skips atexit handlers
// and leak checks, so that it neither reruns the parent's test teardown nor reports SimGrid's static state.
#include "core/child_process.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <string>

namespace trainsim {
namespace {

void write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  return out;
}

[[noreturn]] void child(int fd, const std::function<std::string()>& work) {
  try {
    const std::string result = work();
    write_all(fd, "R", 1);
    write_all(fd, result.data(), result.size());
  } catch (const std::exception& e) {
    write_all(fd, "E", 1);
    write_all(fd, e.what(), std::strlen(e.what()));
  }
  ::close(fd);
#if defined(__SANITIZE_ADDRESS__)
  // _exit skips LeakSanitizer's exit-time check, so run it here. SimGrid 3.32 reported no leak of its own
  // once the Engine is destroyed, so no suppression is needed.
  if (__lsan_do_recoverable_leak_check() != 0) ::_exit(3);
#endif
  ::_exit(0);
}

// Why a child's result cannot be used ("" when it can): it exited 3 (LeakSanitizer's check, above), died, or
// sent nothing. `who` names the child in the message.
std::string exit_error(int status, const std::string& reply, const std::string& who) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) return "LeakSanitizer found leaks in the " + who + " (report above)";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || reply.empty())
    return who + " died (status " + std::to_string(status) + ")";
  return {};
}

}  // namespace

std::string run_in_child_bytes(const std::function<std::string()>& work, double* peak_rss_bytes) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);  // or the child would write the parent's buffered output a second time
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], work);
  }
  ::close(fds[1]);
  const std::string reply = read_all(fds[0]);
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  if (peak_rss_bytes != nullptr) *peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux: KiB
  if (const std::string error = exit_error(status, reply, "simulation child"); !error.empty())
    throw std::runtime_error(error);
  if (reply[0] == 'E') throw std::runtime_error(reply.substr(1));
  return reply.substr(1);
}

std::vector<ChildResult> run_in_children(const std::vector<std::function<std::string()>>& works, int parallel) {
  struct Running {
    pid_t pid = -1;
    int fd = -1;
  };
  std::vector<ChildResult> results(works.size());
  std::vector<Running> running(works.size());
  auto start = [&](std::size_t i) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(fds[0]);
      child(fds[1], works[i]);
    }
    ::close(fds[1]);
    running[i] = Running{pid, fds[0]};
  };
  auto finish = [&](std::size_t i) {
    // A child writes its result (a simulation's timeline: up to hundreds of MB) and exits; reading its pipe to
    // the end before waiting cannot deadlock: the others block in pipes of their own until they are read.
    const std::string reply = read_all(running[i].fd);
    ::close(running[i].fd);
    int status = 0;
    rusage usage{};
    ::wait4(running[i].pid, &status, 0, &usage);
    results[i].cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
    results[i].error = exit_error(status, reply, "child");
    if (!results[i].ok()) return;
    if (reply[0] == 'E')
      results[i].error = reply.substr(1);
    else
      results[i].bytes = reply.substr(1);
  };
  const std::size_t width = static_cast<std::size_t>(std::max(1, parallel));
  for (std::size_t next = 0, done = 0; done < works.size();) {
    while (next < works.size() && next - done < width) start(next++);
    finish(done++);
  }
  return results;
}

std::vector<double> run_in_child(const std::function<std::vector<double>()>& simulate, double* peak_rss_bytes) {
  const std::string bytes = run_in_child_bytes(
      [&] {
        const std::vector<double> result = simulate();
        return std::string(reinterpret_cast<const char*>(result.data()), result.size() * sizeof(double));
      },
      peak_rss_bytes);
  std::vector<double> result(bytes.size() / sizeof(double));
  std::memcpy(result.data(), bytes.data(), result.size() * sizeof(double));
  return result;
}

}  // namespace trainsim
