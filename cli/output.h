// Where a command's text goes: standard output (checked: a full disk is an error), or files planned before the
// work and written together at its end (core/output_files.h).
#pragma once
#include <string>

#include "core/output_files.h"

namespace trainsim::cli {

// Writes `text` to output_path ("-" or empty: standard output) whole or not at all, and says on stderr which
// file it wrote. For a command that works for a while, plan the path in an OutputFiles before the work instead.
void emit(const std::string& text, const std::string& output_path);

// Commits `outputs` and says on stderr, one line each, which files it wrote ("trainsim: wrote PATH").
void commit_outputs(OutputFiles& outputs);

// The default scenario: scenarios/deepseek-v3-2048xh800.yaml under the working directory, else under the
// source tree trainsim was built from.
std::string default_scenario_path();

}  // namespace trainsim::cli
