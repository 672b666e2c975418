// The scenario's `parallelism:` section: the parallel degrees (pp, tp, cp, ep, dp and virtual stages), the ZeRO
// stage, the micro-batch, the schedule, recomputation, the framework's kernels and overlaps, and the layer placement.
// Each bad value is a located ConfigError; the rules that need the model or the GPU count are layout_rules.h's.
#pragma once
#include "core/yaml_reader.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim {

// Reads `node` (the value of `parallelism`) into s.layout, remembering each key's location in s.locations.
void read_parallelism(const ConfigNode& node, Scenario& s);

}  // namespace trainsim::sim
