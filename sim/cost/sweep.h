// A sweep: the cross product of values for scenario keys (`--set parallelism.pp=8,16,32`), every point evaluated
// as `trainsim run` evaluates it, each in a child process of its own on all cores. A point that cannot run (a
// layout rule, memory) is kept with its reason, never dropped.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "sim/cost/sweep_variants.h"
#include "sim/step/step_graph.h"

namespace trainsim::sim {

struct SweepAxis {
  std::string key;                  // parallelism.pp
  std::vector<std::string> values;  // as YAML text: "8", "16", "h100"
  // The axis of a variants file (key "variant", the names as values): what each value sets. Empty otherwise.
  std::vector<SweepVariant> variants;
};

// The variants of a file (sweep_variants.h) as one axis, "variant", whose values are their names.
SweepAxis variant_axis(std::vector<SweepVariant> variants);

// "KEY=V1,V2,..." into an axis; throws ConfigError (located at "--set KEY") for a malformed one.
SweepAxis parse_sweep_axis(const std::string& text);

struct SweepPoint {
  int index = 0;                    // in the whole cross product (a shard holds every N-th)
  std::vector<std::string> values;  // one per axis, in axis order
  bool ok = false;
  std::string reason;               // why it cannot run (the error's one line) when !ok
  double step_time_s = 0, mfu = 0, gpu_hours = 0, cost_usd = 0, days = 0, memory_gib = 0;
  double bubble_s = 0, exposed_comm_s = 0, compute_s = 0;
};

struct Sweep {
  std::vector<SweepAxis> axes;
  std::vector<SweepPoint> points;  // the cross product, the first axis slowest (a shard's share of it)
  int total_points = 0;            // of the whole cross product
};

// A deterministic slice of the points: shard i of n holds the points whose index is i mod n.
struct SweepShard {
  int index = 0;
  int count = 1;
};
// "i/N" (0 <= i < N); throws ConfigError located at --shard otherwise.
SweepShard parse_sweep_shard(const std::string& text);

// The shards of one sweep into the sweep run whole: the same axes, every point exactly once, in index order.
// Throws ConfigError naming the problem (different axes, a point missing or twice).
Sweep merge_sweeps(const std::vector<Sweep>& shards);

// Runs every point of the cross product of `axes` (a variant axis sets its variant's keys, and a key its scenario
// refuses is located at the variant's line) over the scenario at `path` (with `base_overrides` applied
// first) at `fidelity`; `progress(done, total)` after each point.
Sweep run_sweep(const std::string& path, const std::vector<std::string>& base_overrides, const std::vector<SweepAxis>& axes,
                Fidelity fidelity, const std::function<void(int, int)>& progress = {}, SweepShard shard = {});

}  // namespace trainsim::sim
