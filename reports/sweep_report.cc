// Fixed-precision text so that the same sweep gives the same bytes.
#include "reports/sweep_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace trainsim::reports {
namespace {

// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::vector<size_t> cost_days_pareto_front(const sim::Sweep& sweep) {
  std::vector<size_t> front;
  for (size_t i = 0; i < sweep.points.size(); ++i) {
    const sim::SweepPoint& p = sweep.points[i];
    if (!p.ok) continue;
    const bool dominated = std::any_of(sweep.points.begin(), sweep.points.end(), [&](const sim::SweepPoint& q) {
      return q.ok && q.cost_usd <= p.cost_usd && q.days <= p.days && (q.cost_usd < p.cost_usd || q.days < p.days);
    });
    if (!dominated) front.push_back(i);
  }
  std::stable_sort(front.begin(), front.end(),
                   [&](size_t a, size_t b) { return sweep.points[a].cost_usd < sweep.points[b].cost_usd; });
  return front;
}

std::string refusal_line(const sim::SweepPoint& point) { return point.reason.substr(0, point.reason.find('\n')); }

std::string sweep_csv(const sim::Sweep& sweep) {
  std::string out;
  for (const sim::SweepAxis& axis : sweep.axes) out += csv_field(axis.key) + ",";
  out += "feasible,step_time_s,mfu,gpu_hours,cost_usd,days,memory_gib_per_gpu,compute_s,bubble_s,exposed_comm_s,reason\n";
  for (const sim::SweepPoint& p : sweep.points) {
    for (const std::string& v : p.values) out += csv_field(v) + ",";
    if (p.ok)
      out += fmt::format("yes,{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},\n", p.step_time_s, p.mfu,
                         p.gpu_hours, p.cost_usd, p.days, p.memory_gib, p.compute_s, p.bubble_s, p.exposed_comm_s);
    else
      out += "no,,,,,,,,,," + csv_field(refusal_line(p)) + "\n";
  }
  return out;
}

std::string sweep_json(const sim::Sweep& sweep) {
  nlohmann::json out;
  nlohmann::json axes = nlohmann::json::array();
  for (const sim::SweepAxis& a : sweep.axes) axes.push_back({{"key", a.key}, {"values", a.values}});
  out["axes"] = axes;
  out["total_points"] = sweep.total_points;
  nlohmann::json points = nlohmann::json::array();
  for (const sim::SweepPoint& p : sweep.points) {
    nlohmann::json point = {{"index", p.index}, {"values", p.values}, {"feasible", p.ok}};
    if (p.ok)
      point.update({{"step_time_s", p.step_time_s}, {"mfu", p.mfu}, {"gpu_hours", p.gpu_hours}, {"cost_usd", p.cost_usd},
                    {"days", p.days}, {"memory_gib_per_gpu", p.memory_gib}, {"compute_s", p.compute_s},
                    {"bubble_s", p.bubble_s}, {"exposed_comm_s", p.exposed_comm_s}});
    else
      point["reason"] = refusal_line(p);
    points.push_back(point);
  }
  out["points"] = points;
  out["pareto_cost_days"] = cost_days_pareto_front(sweep);
  return out.dump(2) + "\n";
}

sim::Sweep read_sweep_json(const std::string& text, const std::string& file) {
  sim::Sweep sweep;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    for (const nlohmann::json& a : j.at("axes")) sweep.axes.push_back({a.at("key"), a.at("values"), {}});
    sweep.total_points = j.at("total_points");
    for (const nlohmann::json& p : j.at("points")) {
      sim::SweepPoint point;
      point.index = p.at("index");
      point.values = p.at("values").get<std::vector<std::string>>();
      point.ok = p.at("feasible");
      if (point.ok) {
        point.step_time_s = p.at("step_time_s");
        point.mfu = p.at("mfu");
        point.gpu_hours = p.at("gpu_hours");
        point.cost_usd = p.at("cost_usd");
        point.days = p.at("days");
        point.memory_gib = p.at("memory_gib_per_gpu");
        point.compute_s = p.at("compute_s");
        point.bubble_s = p.at("bubble_s");
        point.exposed_comm_s = p.at("exposed_comm_s");
      } else {
        point.reason = p.at("reason");
      }
      sweep.points.push_back(std::move(point));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(SourceLocation{file, 0, 0, ""}, fmt::format("is not a sweep.json trainsim wrote ({})", e.what()),
                      "the sweep.json of `trainsim sweep --out DIR`");
  }
  return sweep;
}

std::string sweep_markdown(const sim::Sweep& sweep, const std::string& command_line) {
  std::string out = "# trainsim sweep\n\n`" + command_line + "`\n\n|";
  for (const sim::SweepAxis& a : sweep.axes) out += " " + a.key + " |";
  out += " step | MFU | GPU-hours | cost | days | GiB per GPU |\n|";
  for (size_t i = 0; i < sweep.axes.size() + 6; ++i) out += " --- |";
  out += "\n";
  auto values = [](const sim::SweepPoint& p) {
    std::string row = "|";
    for (const std::string& v : p.values) row += " " + v + " |";
    return row;
  };
  for (const sim::SweepPoint& p : sweep.points) {
    out += values(p);
    if (p.ok)
      out += fmt::format(" {:.3f} s | {:.1f}% | {:.4g} | ${:.4g} | {:.1f} | {:.1f} |\n", p.step_time_s, 100 * p.mfu,
                         p.gpu_hours, p.cost_usd, p.days, p.memory_gib);
    else
      out += " cannot run: " + refusal_line(p) + " |||||| \n";
  }
  const auto best = [&](const char* objective, auto better) {
    const sim::SweepPoint* winner = nullptr;
    for (const sim::SweepPoint& p : sweep.points)
      if (p.ok && (winner == nullptr || better(p, *winner))) winner = &p;
    return winner == nullptr ? std::string()
                             : fmt::format("- best {}: {}\n", objective, fmt::join(winner->values, ", "));
  };
  out += "\n## Best point per objective\n\n";
  out += best("cost", [](const sim::SweepPoint& a, const sim::SweepPoint& b) { return a.cost_usd < b.cost_usd; });
  out += best("days", [](const sim::SweepPoint& a, const sim::SweepPoint& b) { return a.days < b.days; });
  out += best("MFU", [](const sim::SweepPoint& a, const sim::SweepPoint& b) { return a.mfu > b.mfu; });
  out += "\n## Pareto front of cost and days\n\n";
  for (size_t i : cost_days_pareto_front(sweep)) {
    const sim::SweepPoint& p = sweep.points[i];
    out += fmt::format("- {}: ${:.4g}, {:.1f} days\n", fmt::join(p.values, ", "), p.cost_usd, p.days);
  }
  const auto infeasible = std::count_if(sweep.points.begin(), sweep.points.end(), [](const sim::SweepPoint& p) { return !p.ok; });
  if (infeasible > 0) out += fmt::format("\n{} of {} points cannot run; their reasons are in the table.\n", infeasible, sweep.points.size());
  return out;
}

}  // namespace trainsim::reports
