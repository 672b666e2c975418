// Output files are written whole or not at all: to a temporary name beside the target, then renamed.
#pragma once
#include <string>
#include <string_view>

namespace trainsim {

// Throws trainsim::Error (naming the path) if the file cannot be written; leaves no partial file.
void write_file_atomically(const std::string& path, std::string_view contents);

// Reads a whole file; throws trainsim::Error naming the path if it cannot.
std::string read_file(const std::string& path);

}  // namespace trainsim
