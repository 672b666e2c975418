// Output helpers shared by the subcommands.
#include "cli/output.h"

#include <cstdio>
#include <filesystem>

#include "core/atomic_file.h"

namespace trainsim::cli {

void emit(const std::string& text, const std::string& output_path) {
  if (output_path.empty() || output_path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  write_file_atomically(output_path, text);
  std::fprintf(stderr, "trainsim: wrote %s\n", output_path.c_str());
}

std::string default_scenario_path() {
  const std::string relative = "scenarios/deepseek-v3-2048xh800.yaml";
  if (std::filesystem::exists(relative)) return relative;
  return std::string(TRAINSIM_SOURCE_DIR) + "/" + relative;
}

}  // namespace trainsim::cli
