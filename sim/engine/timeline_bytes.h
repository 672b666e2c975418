// A Timeline as bytes and back: how a simulation's result crosses from the child process that ran SimGrid
// to its caller (engine.h). Same layout on both ends of a fork, so plain copies of the records.
#pragma once
#include <string>
#include <string_view>

#include "sim/engine/timeline.h"

namespace trainsim::sim {

std::string timeline_to_bytes(const Timeline& timeline);
// Throws trainsim::Error on bytes that timeline_to_bytes did not write (a truncated reply).
Timeline timeline_from_bytes(std::string_view bytes);

}  // namespace trainsim::sim
