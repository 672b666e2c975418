// How many times a report's text holds a piece (overlapping occurrences counted), for the report tests.
#pragma once
#include <cstddef>
#include <string>

namespace trainsim::reports {

inline std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace trainsim::reports
