// A whole input file as text, with an error that names the path.
#pragma once
#include <string>

namespace trainsim {

// Reads a whole file; throws trainsim::Error naming the path if it cannot.
std::string read_file(const std::string& path);

}  // namespace trainsim
