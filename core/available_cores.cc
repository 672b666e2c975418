// See available_cores.h.
#include "core/available_cores.h"

#include <algorithm>
#include <thread>

namespace trainsim {

int available_cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace trainsim
