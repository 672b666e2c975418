// MeasuredRunSet: published measurements of whole training steps, each beside the scenario that describes the
// run, read from a YAML file (docs/validation.md gives the format). `trainsim validate-published` predicts each
// run and compares; reports/published/ keeps the result.
#pragma once
#include <string>
#include <vector>

#include "core/error.h"

namespace trainsim::sim {

struct MeasuredRun {
  std::string name;           // "gpt-1.7b": how the report and --only name the run
  std::string scenario_path;  // resolved against the set file's folder
  double step_time_s = 0;     // the measured iteration time
  std::string note;           // how the figure was read from the source ("137 TFLOP/s per GPU by ...")
  SourceLocation where;       // the run's entry in the set file
};

struct MeasuredRunSet {
  std::string source_file;  // the set file, as given
  std::string title;        // "Megatron-LM weak scaling on A100"
  std::string source;       // the publication
  std::string url;
  std::string description;
  double goal_mean_abs_error = 0;  // the goal for the mean |predicted / measured - 1| (0.05 is 5%); 0: none
  std::vector<MeasuredRun> runs;
};

// Throws ConfigError at the offending key: unknown keys, a missing scenario file, a duplicate name, a time
// without its unit.
MeasuredRunSet load_measured_runs(const std::string& path);

// The runs named in `only` (all when empty), in the set's order; an unknown name is a ConfigError at "--only".
std::vector<MeasuredRun> select_runs(const MeasuredRunSet& set, const std::vector<std::string>& only);

}  // namespace trainsim::sim
