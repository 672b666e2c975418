// training.phases: what follows the main training, each phase a mapping:
//   name: context extension 32K      (required)
//   sequence_length, global_batch    (default: the main training's)
//   tokens: 63B  or  steps: 1000     (one of the two)
//   parallelism: {pp: 8, ...}        (overrides of the main parallelism for this phase)
// or `name` and `gpu_hours` alone for work trainsim does not model (post-training RL, evaluation). Each phase
// with work becomes a Scenario of its own: the main file with these values set, no batch ramp.
#pragma once
#include <span>
#include <string>

#include "core/yaml_reader.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim {

// Reads `node` (the value of training.phases) into s.phases. `text`, `source` and `overrides` are the main
// scenario's, so that a phase is parsed as the main file with its own values applied over them.
void read_training_phases(const ConfigNode& node, const std::string& text, const std::string& source,
                          std::span<const std::string> overrides, Scenario& s);

}  // namespace trainsim::sim
