// Reading a scenario YAML file into a validated Scenario. Every rule that can be checked without running
// the estimate is checked here, each error naming file:line:col and the key path.
#pragma once
#include <string>

#include "sim/scenario/scenario.h"

namespace trainsim::sim {

// Throws ConfigError on any bad input.
Scenario load_scenario(const std::string& path);
// The same from text; `source` names it in messages and anchors relative config.json paths.
Scenario parse_scenario(const std::string& text, const std::string& source);

}  // namespace trainsim::sim
