// Counting lines up to a byte offset (see line_column.h).
#include "core/line_column.h"

namespace trainsim {

std::pair<int, int> line_column(std::string_view text, std::size_t byte) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace trainsim
