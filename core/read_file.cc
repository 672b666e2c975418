// read_file (read_file.h): one read of a whole file through a stream.
#include "core/read_file.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace trainsim {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace trainsim
