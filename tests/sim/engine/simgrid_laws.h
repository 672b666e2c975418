// What the engine's law tests share: the size of their flows and how closely SimGrid meets a law.
#pragma once

namespace trainsim::sim::testing {

inline constexpr double kFlowBytes = 1e9;

// CM02 without cross-traffic and with a huge TCP-gamma makes a flow take bytes/bandwidth + latency exactly,
// and max-min sharing splits a link evenly (docs/simgrid.md#network-model); SimGrid rounds simulated times to
// 1e-9 s, so that is the tolerance, twice over for a start and an end.
inline constexpr double kSimGridTolerance_s = 2e-9;

}  // namespace trainsim::sim::testing
