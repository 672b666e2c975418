// A sweep: the cross product of values for scenario keys (`--set parallelism.pp=8,16,32`), every point evaluated
// as `trainsim run` evaluates it, each in a child process of its own on all cores. A point that cannot run (a
// layout rule, memory) is kept with its reason, never dropped.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "sim/step/step_graph.h"

namespace trainsim::sim {

struct SweepAxis {
  std::string key;                  // parallelism.pp
  std::vector<std::string> values;  // as YAML text: "8", "16", "h100"
};

// "KEY=V1,V2,..." into an axis; throws ConfigError (located at "--set KEY") for a malformed one.
SweepAxis parse_sweep_axis(const std::string& text);

struct SweepPoint {
  std::vector<std::string> values;  // one per axis, in axis order
  bool ok = false;
  std::string reason;               // why it cannot run (the error's one line) when !ok
  double step_time_s = 0, mfu = 0, gpu_hours = 0, cost_usd = 0, days = 0, memory_gib = 0;
  double bubble_s = 0, exposed_comm_s = 0, compute_s = 0;
};

struct Sweep {
  std::vector<SweepAxis> axes;
  std::vector<SweepPoint> points;  // the cross product, the first axis slowest
};

// Runs every point of the cross product of `axes` over the scenario at `path` (with `base_overrides` applied
// first) at `fidelity`; `progress(done, total)` after each point.
Sweep run_sweep(const std::string& path, const std::vector<std::string>& base_overrides, const std::vector<SweepAxis>& axes,
                Fidelity fidelity, const std::function<void(int, int)>& progress = {});

}  // namespace trainsim::sim
