// trainsim's error types: Error (anything that stops a command), ConfigError (bad user input, with
// file:line:col and key path; the CLI maps it to exit code 2) and TS_CHECK for internal invariants.
#pragma once
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace trainsim {

// Where a value came from in a user's file. line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key_path;  // e.g. "parallelism.pp"

  std::string to_string() const;  // "scenarios/x.yaml:12:5: parallelism.pp"
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad user input. what() is the complete one-line message:
// "file:line:col: key.path: what is wrong (expected ...); hint: ..."
class ConfigError : public Error {
 public:
  ConfigError(SourceLocation where, std::string problem, std::string expected = {}, std::string hint = {});
  const SourceLocation& where() const { return where_; }
  const std::string& problem() const { return problem_; }
  const std::string& expected() const { return expected_; }
  const std::string& hint() const { return hint_; }

 private:
  SourceLocation where_;
  std::string problem_;
  std::string expected_;
  std::string hint_;
};

[[noreturn]] void throw_check_failure(const char* condition, const char* file, int line, const std::string& message);

// Whether an error's message is a failed internal check's ("internal check failed at file:line: ..."): the
// type does not survive the pipe from the simulation child (core/child_process.h), the message does.
bool is_internal_error_message(std::string_view message);

}  // namespace trainsim

// Internal invariant: throws trainsim::Error naming the source file and line. Never for user input.
#define TS_CHECK(cond, ...)                                                                   \
  do {                                                                                        \
    if (!(cond)) ::trainsim::throw_check_failure(#cond, __FILE__, __LINE__, fmt::format("" __VA_ARGS__)); \
  } while (false)
