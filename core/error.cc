// Formatting of trainsim's errors.
#include "core/error.h"

namespace trainsim {

std::string SourceLocation::to_string() const {
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) out += fmt::format(":{}:{}", line, column);
  // A value from the command line is named by its flag, which already holds the key: "--set parallelism.pp".
  const bool named_by_origin = line == 0 && file.ends_with(" " + key_path);
  if (!key_path.empty() && !named_by_origin) out += ": " + key_path;
  return out;
}

static std::string compose(const SourceLocation& where, const std::string& problem, const std::string& expected,
                           const std::string& hint) {
  std::string message = where.to_string() + ": " + problem;
  if (!expected.empty()) message += " (expected " + expected + ")";
  if (!hint.empty()) message += "; hint: " + hint;
  // NOTE: a value quoted from the user's file can span lines (an unclosed YAML quote); the message stays one
  // line, as the command line promises, with each line break shown as \n.
  for (size_t at = message.find('\n'); at != std::string::npos; at = message.find('\n', at + 2)) message.replace(at, 1, "\\n");
  return message;
}

ConfigError::ConfigError(SourceLocation where, std::string problem, std::string expected, std::string hint)
    : Error(compose(where, problem, expected, hint)),
      where_(std::move(where)),
      problem_(std::move(problem)),
      expected_(std::move(expected)),
      hint_(std::move(hint)) {}

namespace {
constexpr std::string_view kInternalCheckPrefix = "internal check failed at ";
}

void throw_check_failure(const char* condition, const char* file, int line, const std::string& message) {
  throw Error(fmt::format("{}{}:{}: {}{}{}", kInternalCheckPrefix, file, line, condition, message.empty() ? "" : ": ",
                          message));
}

bool is_internal_error_message(std::string_view message) { return message.starts_with(kInternalCheckPrefix); }

}  // namespace trainsim
