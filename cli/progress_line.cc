#include "cli/progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace trainsim::cli {
namespace {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) != 0; }

}  // namespace

std::function<void(double)> fraction_progress(std::string label) {
  if (!stderr_is_terminal()) return {};
  return [label = std::move(label)](double done) {
    std::fprintf(stderr, "\r%s: %3.0f%%%s", label.c_str(), 100 * done, done >= 1 ? "\n" : "");
    std::fflush(stderr);
  };
}

std::function<void(int, int)> count_progress(std::string label, std::string unit) {
  if (!stderr_is_terminal()) return {};
  return [label = std::move(label), unit = std::move(unit)](int done, int total) {
    std::fprintf(stderr, "\r%s: %d/%d %s%s", label.c_str(), done, total, unit.c_str(), done >= total ? "\n" : "");
    std::fflush(stderr);
  };
}

std::function<void(int, int, const std::string&)> named_count_progress(std::string label) {
  if (!stderr_is_terminal()) return {};
  // "\033[K" clears what a longer name left on the line; the count is of the item under way, 1-based.
  return [label = std::move(label)](int done, int total, const std::string& name) {
    std::fprintf(stderr, "\r\033[K%s %d/%d %s%s", label.c_str(), done + (done < total), total, name.c_str(),
                 done >= total ? "\n" : "");
    std::fflush(stderr);
  };
}

}  // namespace trainsim::cli
