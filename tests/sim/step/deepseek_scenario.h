// The shipped default scenario, DeepSeek-V3 on 2,048 H800 GPUs, which the step tests start from.
#pragma once
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {

inline Scenario deepseek() { return load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml"); }

}  // namespace trainsim::sim
