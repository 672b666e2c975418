// Points in children, a fixed number at a time (core/child_process.h); each child evaluates its point and sends
// back its figures as text, or the error that stopped it.
#include "sim/cost/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "core/available_cores.h"
#include "core/child_process.h"
#include "core/error.h"
#include "sim/cost/run_evaluation.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

// The figures a child sends back, space-separated with 17 digits: the same bytes out for the same point.
std::string encode(const RunEvaluation& e) {
  const StepEstimate& s = e.estimate.step;
  return fmt::format("{:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g}", s.step_time_s, s.mfu,
                     e.run.gpu_hours, e.run.cost_usd, e.run.days(),
                     e.estimate.memory.breakdown.total_bytes() / 1073741824.0, s.bubble_s, s.exposed_comm_s, s.compute_s);
}

void decode(const std::string& text, SweepPoint& p) {
  std::istringstream in(text);
  in >> p.step_time_s >> p.mfu >> p.gpu_hours >> p.cost_usd >> p.days >> p.memory_gib >> p.bubble_s >> p.exposed_comm_s >>
      p.compute_s;
  p.ok = static_cast<bool>(in);
  if (!p.ok) p.reason = "unreadable result from the point's process";
}

// The overrides of one point: --fix's, then each axis's value (a variant's settings for a variant axis).
std::vector<std::string> point_overrides(const std::vector<std::string>& base, const std::vector<SweepAxis>& axes,
                                         const std::vector<std::string>& values) {
  std::vector<std::string> overrides = base;
  for (size_t a = 0; a < axes.size(); ++a) {
    if (axes[a].variants.empty()) {
      overrides.push_back(axes[a].key + "=" + values[a]);
      continue;
    }
    for (const SweepVariant& v : axes[a].variants)
      if (v.name == values[a])
        for (const SweepSetting& setting : v.settings) overrides.push_back(setting.key + "=" + setting.value_yaml);
  }
  return overrides;
}

// A scenario error at a variant's key ("--set parallelism.pp", as the loader names an override) located at that
// key's line in the variants file instead; other errors unchanged.
[[noreturn]] void rethrow_at_variant(const ConfigError& e, const std::vector<SweepAxis>& axes,
                                     const std::vector<std::string>& values) {
  for (size_t a = 0; a < axes.size(); ++a)
    for (const SweepVariant& v : axes[a].variants)
      if (v.name == values[a])
        for (const SweepSetting& setting : v.settings)
          if (e.where().file == "--set " + setting.key)
            throw ConfigError(setting.where, e.problem(), e.expected(), e.hint());
  throw e;
}

}  // namespace

SweepAxis variant_axis(std::vector<SweepVariant> variants) {
  SweepAxis axis{"variant", {}, std::move(variants)};
  for (const SweepVariant& v : axis.variants) axis.values.push_back(v.name);
  return axis;
}

SweepAxis parse_sweep_axis(const std::string& text) {
  const size_t equals = text.find('=');
  const SourceLocation at{"--set", 0, 0, text.substr(0, equals)};
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
    throw ConfigError(at, fmt::format("'{}' is not KEY=V1,V2,...", text), "such as parallelism.pp=8,16,32");
  SweepAxis axis{text.substr(0, equals), {}, {}};
  std::string value;
  std::istringstream values(text.substr(equals + 1));
  while (std::getline(values, value, ','))
    if (!value.empty()) axis.values.push_back(value);
  if (axis.values.empty()) throw ConfigError(at, "no values", "one or more values separated by commas");
  return axis;
}

SweepShard parse_sweep_shard(const std::string& text) {
  const SourceLocation at{"--shard", 0, 0, "shard"};
  SweepShard shard;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> shard.index >> slash >> shard.count) || slash != '/' || !in.eof() || shard.count < 1 || shard.index < 0 ||
      shard.index >= shard.count)
    throw ConfigError(at, fmt::format("'{}' is not a shard", text), "I/N with 0 <= I < N, such as 0/3");
  return shard;
}

Sweep merge_sweeps(const std::vector<Sweep>& shards) {
  const SourceLocation at{"merge", 0, 0, "shards"};
  if (shards.empty()) throw ConfigError(at, "no sweep to merge", "one or more sweep folders");
  Sweep merged;
  merged.axes = shards.front().axes;
  merged.total_points = shards.front().total_points;
  for (const Sweep& shard : shards) {
    const bool same_axes = shard.axes.size() == merged.axes.size() &&
                           std::equal(shard.axes.begin(), shard.axes.end(), merged.axes.begin(), [](const SweepAxis& a, const SweepAxis& b) {
                             return a.key == b.key && a.values == b.values;
                           });
    if (!same_axes || shard.total_points != merged.total_points)
      throw ConfigError(at, "the shards come from different sweeps (their axes differ)", "the shards of one sweep");
    merged.points.insert(merged.points.end(), shard.points.begin(), shard.points.end());
  }
  std::stable_sort(merged.points.begin(), merged.points.end(),
                   [](const SweepPoint& a, const SweepPoint& b) { return a.index < b.index; });
  for (int i = 0; i < merged.total_points; ++i)
    if (i >= static_cast<int>(merged.points.size()) || merged.points[static_cast<size_t>(i)].index != i)
      throw ConfigError(at, fmt::format("point {} of {} is missing or given twice", i, merged.total_points),
                        "every shard i/N of the sweep, each once");
  if (merged.points.size() != static_cast<size_t>(merged.total_points))
    throw ConfigError(at, "a point is given twice", "every shard i/N of the sweep, each once");
  return merged;
}

Sweep run_sweep(const std::string& path, const std::vector<std::string>& base_overrides, const std::vector<SweepAxis>& axes,
                Fidelity fidelity, const std::function<void(int, int)>& progress, SweepShard shard) {
  Sweep sweep;
  sweep.axes = axes;
  std::vector<std::vector<std::string>> combos{{}};
  for (const SweepAxis& axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const std::vector<std::string>& combo : combos)
      for (const std::string& v : axis.values) {
        next.push_back(combo);
        next.back().push_back(v);
      }
    combos = std::move(next);
  }
  sweep.total_points = static_cast<int>(combos.size());
  std::vector<int> indices;
  for (int i = 0; i < sweep.total_points; ++i)
    if (i % shard.count == shard.index) indices.push_back(i);
  // A batch of children at a time, so that progress comes after each batch.
  const int cores = available_cores();
  for (size_t first = 0; first < indices.size(); first += static_cast<size_t>(cores)) {
    const size_t last = std::min(indices.size(), first + static_cast<size_t>(cores));
    std::vector<std::function<std::string()>> works;
    for (size_t k = first; k < last; ++k) {
      const std::vector<std::string>& values = combos[static_cast<size_t>(indices[k])];
      const std::vector<std::string> overrides = point_overrides(base_overrides, axes, values);
      works.push_back([path, overrides, fidelity, &axes, &values] {
        RunRequest request;
        request.fidelity = fidelity;
        try {
          return encode(evaluate_run(load_scenario(path, overrides), request));
        } catch (const ConfigError& e) {
          rethrow_at_variant(e, axes, values);
        }
      });
    }
    const std::vector<ChildResult> results = run_in_children(works, cores);
    for (size_t k = first; k < last; ++k) {
      SweepPoint point;
      point.index = indices[k];
      point.values = combos[static_cast<size_t>(indices[k])];
      const ChildResult& r = results[k - first];
      if (r.ok()) decode(r.bytes, point);
      else point.reason = r.error;
      sweep.points.push_back(std::move(point));
    }
    if (progress) progress(static_cast<int>(last), static_cast<int>(indices.size()));
  }
  return sweep;
}

}  // namespace trainsim::sim
