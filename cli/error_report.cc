// One line per error (see error_report.h).
#include "cli/error_report.h"

#include "core/error.h"

namespace trainsim::cli {
namespace {

// Trailing line breaks go; inner ones are shown as \n, as ConfigError does, so the report stays one line.
std::string escaped_line_breaks(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  for (std::size_t at = message.find('\n'); at != std::string::npos; at = message.find('\n', at + 2))
    message.replace(at, 1, "\\n");
  return message;
}

}  // namespace

ErrorReport report_error(const std::exception& error) {
  const std::string message = escaped_line_breaks(error.what());
  if (dynamic_cast<const ConfigError*>(&error) != nullptr) return {"trainsim: error: " + message + "\n", 2};
  if (is_internal_error_message(message))
    return {"trainsim: internal error (a bug; please report it with the scenario): " + message + "\n", 1};
  return {"trainsim: error: " + message + "\n", 1};
}

}  // namespace trainsim::cli
