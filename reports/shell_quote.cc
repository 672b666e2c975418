// Quoting for a POSIX shell: bare when every character is safe, else between single quotes.
#include "reports/shell_quote.h"

#include <algorithm>
#include <string_view>

namespace trainsim::reports {
namespace {

// Characters no POSIX shell gives a meaning to outside quotes, in any position (no expansion, globbing, word
// splitting, operator; '=' is left out as it can make a word an assignment, '~' and '#' as they are special first).
bool is_plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("+,-./:@_").find(c) != std::string_view::npos;
}

}  // namespace

std::string shell_quote(const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_plain)) return text;
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) line += (line.empty() ? "" : " ") + shell_quote(word);
  return line;
}

}  // namespace trainsim::reports
