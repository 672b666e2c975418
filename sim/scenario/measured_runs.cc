// The measured-run set file: title, source, url, description, goal, runs (docs/validation.md).
#include "sim/scenario/measured_runs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/did_you_mean.h"
#include "core/input_file.h"
#include "core/input_ranges.h"
#include "core/units.h"
#include "core/yaml_reader.h"

namespace trainsim::sim {
namespace {

using Keys = std::vector<std::string>;

// A measured step: above a microsecond, below a day (the slowest published steps take minutes).
constexpr QuantityRange kMeasuredStep{Dimension::kSeconds, 1e-6, 86400, "1 us", "1 day", false,
                                      "a training step; published ones take milliseconds to minutes"};
// A GPU's throughput: a GFLOP/s to 10 PFLOP/s (an H100's dense BF16 peak is 0.99 PFLOP/s).
constexpr QuantityRange kFlopsPerGpu{Dimension::kFlopsPerSecond, 1e9, 1e16, "1 GFLOP/s", "10 PFLOP/s", false,
                                     "FLOP/s per GPU; published ones are hundreds of TFLOP/s"};
// GPU-hours per trillion tokens: 1 to 10^9 (DeepSeek-V3: 180K on H800).
constexpr QuantityRange kGpuHoursPerTrillion{Dimension::kCount, 1, 1e9, "1", "1e9", false,
                                             "GPU-hours per trillion tokens; published ones are 10^4 to 10^6"};
// Tokens trained a second per GPU: 1 to 10^7 (NVIDIA's H100 recipes: 292 for Llama 3.1 405B, 14,451 for 8B).
constexpr QuantityRange kTokensPerGpu{Dimension::kCount, 1, 1e7, "1", "1e7", false,
                                      "tokens a second per GPU; published ones are 10^2 to 10^5"};
// A goal on the mean relative error: 0 (none) to 100%.
constexpr QuantityRange kErrorGoal{Dimension::kFraction, 0, 1, "0%", "100%", true, "a relative error"};

MeasuredRun read_run(const ConfigNode& node, const std::filesystem::path& folder) {
  const Keys figures{"measured_step", "measured_tflops_per_gpu", "measured_gpu_hours_per_trillion_tokens",
                     "measured_tokens_per_s_per_gpu"};
  node.allow_only(Keys{"name", "scenario", figures[0], figures[1], figures[2], figures[3], "note"});
  MeasuredRun run;
  run.where = node.location();
  run.name = node.require("name").as_string();
  if (run.name.empty() || run.name.find_first_of(" ,") != std::string::npos)
    node.require("name").fail(fmt::format("'{}' is not a run name", run.name), "a name without spaces or commas",
                              "--only takes a comma-separated list of these names");
  const ConfigNode scenario = node.require("scenario");
  std::filesystem::path path = scenario.as_string();
  if (path.is_relative()) path = folder / path;
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    scenario.fail("cannot read scenario file '" + path.string() + "'", "a scenario YAML file",
                  "a relative path is read from the set file's folder");
  run.scenario_path = path.lexically_normal().string();
  int given = 0;
  for (const std::string& key : figures) given += node.get(key) ? 1 : 0;
  if (given != 1)
    node.fail(given == 0 ? "gives no measured figure" : "gives more than one measured figure",
              "one of measured_step, measured_tflops_per_gpu, measured_gpu_hours_per_trillion_tokens, "
              "measured_tokens_per_s_per_gpu");
  if (auto step = node.get("measured_step")) {
    run.figure_value = step->as_quantity(kMeasuredStep);
  } else if (auto rate = node.get("measured_tflops_per_gpu")) {
    run.figure = MeasuredFigure::kFlopsPerGpu;
    run.figure_value = rate->as_quantity(kFlopsPerGpu);
  } else if (auto tokens = node.get("measured_tokens_per_s_per_gpu")) {
    run.figure = MeasuredFigure::kTokensPerGpu;
    run.figure_value = tokens->as_quantity(kTokensPerGpu);
  } else {
    run.figure = MeasuredFigure::kGpuHoursPerTrillionTokens;
    run.figure_value = node.require("measured_gpu_hours_per_trillion_tokens").as_quantity(kGpuHoursPerTrillion);
  }
  run.note = node.string_or("note", "");
  return run;
}

}  // namespace

double MeasuredRun::step_time_s(double model_flops_per_step, double tokens_per_step, int gpus) const {
  switch (figure) {
    case MeasuredFigure::kStepTime: return figure_value;
    case MeasuredFigure::kFlopsPerGpu: return model_flops_per_step / (figure_value * gpus);
    case MeasuredFigure::kGpuHoursPerTrillionTokens: return figure_value * 3600 * tokens_per_step / 1e12 / gpus;
    case MeasuredFigure::kTokensPerGpu: return tokens_per_step / (figure_value * gpus);
  }
  return 0;
}

std::string MeasuredRun::figure_text() const {
  switch (figure) {
    case MeasuredFigure::kStepTime: return format_quantity(figure_value, Dimension::kSeconds);
    case MeasuredFigure::kFlopsPerGpu: return format_quantity(figure_value, Dimension::kFlopsPerSecond) + " per GPU";
    case MeasuredFigure::kGpuHoursPerTrillionTokens:
      return format_quantity(figure_value, Dimension::kCount) + " GPU-hours per trillion tokens";
    case MeasuredFigure::kTokensPerGpu: return fmt::format("{:g} tokens/s per GPU", figure_value);
  }
  return "";
}

MeasuredRunSet load_measured_runs(const std::string& path) {
  const ConfigNode root = ConfigNode::parse(read_yaml_file(path, "measured-run set", kScenarioFileMaxBytes), path);
  if (!root.is_map()) root.fail("is not a measured-run set", "a mapping with title, source and runs");
  root.allow_only(Keys{"title", "source", "url", "description", "goal_mean_abs_error", "runs"});
  MeasuredRunSet set;
  set.source_file = path;
  set.title = root.require("title").as_string();
  set.source = root.require("source").as_string();
  set.url = root.string_or("url", "");
  set.description = root.string_or("description", "");
  if (auto goal = root.get("goal_mean_abs_error")) set.goal_mean_abs_error = goal->as_quantity(kErrorGoal);
  const ConfigNode runs = root.require("runs");
  if (!runs.is_sequence() || runs.element_count() == 0) runs.fail("has no runs", "a list of runs");
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::set<std::string> names;
  for (const ConfigNode& entry : runs.elements()) {
    MeasuredRun run = read_run(entry, folder);
    if (!names.insert(run.name).second)
      entry.require("name").fail(fmt::format("a second run named '{}'", run.name), "a name of its own");
    set.runs.push_back(std::move(run));
  }
  return set;
}

std::vector<MeasuredRun> select_runs(const MeasuredRunSet& set, const std::vector<std::string>& only) {
  if (only.empty()) return set.runs;
  std::vector<std::string> names;
  for (const MeasuredRun& run : set.runs) names.push_back(run.name);
  for (const std::string& name : only)
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw ConfigError(SourceLocation{"--only", 0, 0, ""}, fmt::format("no run named '{}' in {}", name, set.source_file),
                        "names from the set file's runs",
                        [&] {
                          const std::string guess = did_you_mean(name, names);
                          return guess.empty() ? fmt::format("the runs: {}", fmt::join(names, ", ")) : guess;
                        }());
  std::vector<MeasuredRun> selected;
  for (const MeasuredRun& run : set.runs)
    if (std::find(only.begin(), only.end(), run.name) != only.end()) selected.push_back(run);
  return selected;
}

}  // namespace trainsim::sim
