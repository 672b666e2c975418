// What main prints for an error that stopped a command, and the exit code: one line on stderr, always.
// Bad input (ConfigError) exits 2; a failed internal check (TS_CHECK, also one raised in the simulation
// child, whose message crosses the pipe as text) is a bug and says so; anything else exits 1.
#pragma once
#include <exception>
#include <string>

namespace trainsim::cli {

struct ErrorReport {
  std::string line;  // ends with '\n'; the message's own line breaks are shown as \n
  int exit_code = 1;
};

ErrorReport report_error(const std::exception& error);

}  // namespace trainsim::cli
