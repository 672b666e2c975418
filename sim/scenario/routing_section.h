// The scenario's `routing:` section: `routing: balanced` (the default: every expert the same load, what
// DeepSeek's published profile assumed), `routing: synthetic`, or a mapping of models::RouterSpec's knobs
// (`kind: synthetic | replay | balanced`, `file:` relative to the scenario file for replay). README's
// "Scenarios" and docs/scenario-ranges.md list the keys; each bad value is a located ConfigError.
#pragma once
#include <string>

#include "core/yaml_reader.h"
#include "models/router_spec.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim {

// Reads `node` (the value of `routing`) into s.routing; needs the model and the parallelism read first.
// A replay file is read and checked here, so its errors surface at load with their file and line.
void read_routing(const ConfigNode& node, const std::string& scenario_dir, Scenario& s);

}  // namespace trainsim::sim
