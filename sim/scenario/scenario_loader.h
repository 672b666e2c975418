// Reading a scenario YAML file into a validated Scenario. Every rule that can be checked without running
// the estimate is checked here, each error naming file:line:col and the key path.
#pragma once
#include <span>
#include <string>

#include "sim/scenario/scenario.h"

namespace trainsim::sim {

// Throws ConfigError on any bad input. `path` "-" reads standard input, named <stdin> in messages, whose relative
// paths (a config.json, a calibration) are read from the working directory. Each of `overrides`,
// "key.path=value" as --set gives it, replaces or adds that key of the YAML tree before the scenario is read,
// the value read as YAML; errors about it are located at "--set key.path".
Scenario load_scenario(const std::string& path, std::span<const std::string> overrides = {});
// The same from text; `source` names it in messages and anchors relative config.json paths.
Scenario parse_scenario(const std::string& text, const std::string& source, std::span<const std::string> overrides = {});

}  // namespace trainsim::sim
