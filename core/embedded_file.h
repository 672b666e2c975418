// A text data file compiled into the binary by cmake/TrainsimEmbed.cmake (model presets, GPU catalog).
#pragma once
#include <span>
#include <string_view>

namespace trainsim {

struct EmbeddedFile {
  std::string_view name;  // file name without directory, e.g. "deepseek-v3.json"
  std::string_view text;
};

}  // namespace trainsim
