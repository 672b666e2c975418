// Where a command's text goes: standard output, or a file written whole (temporary name, then renamed).
#pragma once
#include <string>

namespace trainsim::cli {

void emit(const std::string& text, const std::string& output_path);

// The default scenario: scenarios/deepseek-v3-2048xh800.yaml under the working directory, else under the
// source tree trainsim was built from.
std::string default_scenario_path();

}  // namespace trainsim::cli
