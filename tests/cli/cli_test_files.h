// The files the CLI tests read and write: the repository they run in, a file's text, a private temporary path.
#pragma once
#include <string>
#include <vector>

namespace trainsim::testing {

// The repository root (trainsim_test defines TRAINSIM_SOURCE_DIR for every test target).
inline const std::string kSource = TRAINSIM_SOURCE_DIR;
// The default scenario (the README's), relative to kSource.
inline const std::string kDefaultScenario = "scenarios/deepseek-v3-2048xh800.yaml";

// What a golden mismatch means, printed with it: the goldens hold no external truth (tests/cli/golden/README.md).
inline constexpr const char* kGoldenHint =
    "differs from its golden report. Goldens are the binary's own output and check format and determinism "
    "only, not correctness; if the change is intended, run tests/cli/update-goldens.sh, review the printed "
    "diff and say in the commit why each figure moved (tests/cli/golden/README.md)";

// The names of scenarios/*.yaml (without the extension), sorted: every scenario the repository ships.
std::vector<std::string> shipped_scenarios();

// A whole file's bytes; empty when it cannot be opened (the tests that care check its existence themselves).
std::string file_text(const std::string& path);

// A path under GoogleTest's temporary directory, private to this process: `name` with the process id appended.
std::string temp_path(const std::string& name);

}  // namespace trainsim::testing
