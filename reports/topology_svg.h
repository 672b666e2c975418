// A drawing of a small built network: nodes (a box with a slot per NIC), their leaves, spines and cores in
// rows coloured by layer, planes side by side in bands (MPFT), rails named (MRFT), pods in order (FT3); Slim
// Fly and Dragonfly routers on a circle by subgraph or group, with the nodes outside it. Meant for a few
// dozen switches: `trainsim topology --svg` refuses larger ones.
#pragma once
#include <string>

#include "hardware/topology.h"

namespace trainsim::reports {

// Switches beyond which a drawing stops being legible.
constexpr int kMaxDrawnSwitches = 96;

std::string topology_svg(const hw::Topology& topology, const std::string& title);

}  // namespace trainsim::reports
