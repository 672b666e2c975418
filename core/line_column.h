// line_column: the 1-based line and column of a byte offset in a text, for errors located in files that a
// parser reports by offset (nlohmann-json's syntax errors).
#pragma once
#include <cstddef>
#include <string_view>
#include <utility>

namespace trainsim {

std::pair<int, int> line_column(std::string_view text, std::size_t byte);

}  // namespace trainsim
