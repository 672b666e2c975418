// Points in children, a fixed number at a time (core/child_process.h); each child evaluates its point and sends
// back its figures as text, or the error that stopped it.
#include "sim/cost/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <thread>

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

}  // namespace

SweepAxis parse_sweep_axis(const std::string& text) {
  const size_t equals = text.find('=');
  const SourceLocation at{"--set", 0, 0, text.substr(0, equals)};
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
    throw ConfigError(at, fmt::format("'{}' is not KEY=V1,V2,...", text), "such as parallelism.pp=8,16,32");
  SweepAxis axis{text.substr(0, equals), {}};
  std::string value;
  std::istringstream values(text.substr(equals + 1));
  while (std::getline(values, value, ','))
    if (!value.empty()) axis.values.push_back(value);
  if (axis.values.empty()) throw ConfigError(at, "no values", "one or more values separated by commas");
  return axis;
}

Sweep run_sweep(const std::string& path, const std::vector<std::string>& base_overrides, const std::vector<SweepAxis>& axes,
                Fidelity fidelity, const std::function<void(int, int)>& progress) {
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
  // A batch of children at a time, so that progress comes after each batch.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (size_t first = 0; first < combos.size(); first += static_cast<size_t>(cores)) {
    const size_t last = std::min(combos.size(), first + static_cast<size_t>(cores));
    std::vector<std::function<std::string()>> works;
    for (size_t i = first; i < last; ++i) {
      std::vector<std::string> overrides = base_overrides;
      for (size_t a = 0; a < axes.size(); ++a) overrides.push_back(axes[a].key + "=" + combos[i][a]);
      works.push_back([path, overrides, fidelity] {
        RunRequest request;
        request.fidelity = fidelity;
        return encode(evaluate_run(load_scenario(path, overrides), request));
      });
    }
    const std::vector<ChildResult> results = run_in_children(works, cores);
    for (size_t i = first; i < last; ++i) {
      SweepPoint point;
      point.values = combos[i];
      const ChildResult& r = results[i - first];
      if (r.ok()) decode(r.bytes, point);
      else point.reason = r.error;
      sweep.points.push_back(std::move(point));
    }
    if (progress) progress(static_cast<int>(last), static_cast<int>(combos.size()));
  }
  return sweep;
}

}  // namespace trainsim::sim
