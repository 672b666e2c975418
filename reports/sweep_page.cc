// The content of a sweep's report page (sweep_page.h), in the words and precision of sweep.md
// (sweep_report.cc).
#include "reports/sweep_page.h"

#include <fmt/format.h>

#include <algorithm>

#include "reports/sweep_charts.h"
#include "reports/sweep_report.h"

namespace trainsim::reports {
namespace {

PageSection points_section(const sim::Sweep& sweep) {
  PageTable t;
  for (const sim::SweepAxis& a : sweep.axes) {
    t.header.push_back(a.key);
    t.right_aligned.push_back(false);
  }
  for (const char* h : {"step", "MFU", "GPU-hours", "cost", "days", "GiB per GPU"}) {
    t.header.push_back(h);
    t.right_aligned.push_back(true);
  }
  t.header.push_back("cannot run");
  t.right_aligned.push_back(false);
  for (const sim::SweepPoint& p : sweep.points) {
    std::vector<std::string> row = p.values;
    if (p.ok) {
      for (const std::string& cell : {fmt::format("{:.3f} s", p.step_time_s), fmt::format("{:.1f}%", 100 * p.mfu),
                                      fmt::format("{:.4g}", p.gpu_hours), fmt::format("${:.4g}", p.cost_usd),
                                      fmt::format("{:.1f}", p.days), fmt::format("{:.1f}", p.memory_gib), std::string()})
        row.push_back(cell);
    } else {
      row.insert(row.end(), 6, "-");
      row.push_back(refusal_line(p));
    }
    t.rows.push_back(std::move(row));
  }
  const auto infeasible = std::count_if(sweep.points.begin(), sweep.points.end(), [](const sim::SweepPoint& p) { return !p.ok; });
  PageSection out{"points", "Points", {}};
  out.blocks.push_back(paragraph(prose(fmt::format("{} points of {} in the cross product{}.", sweep.points.size(),
                                                   sweep.total_points,
                                                   infeasible > 0 ? fmt::format("; {} cannot run, with the reason", infeasible)
                                                                  : std::string()))));
  out.blocks.push_back(table_block(t));
  return out;
}

PageSection best_section(const sim::Sweep& sweep) {
  std::vector<PageText> items;
  const auto best = [&](const char* objective, auto better) {
    const sim::SweepPoint* winner = nullptr;
    for (const sim::SweepPoint& p : sweep.points)
      if (p.ok && (winner == nullptr || better(p, *winner))) winner = &p;
    if (winner != nullptr) items.push_back(prose(fmt::format("{}: {}", objective, fmt::join(winner->values, ", "))));
  };
  best("cost", [](const sim::SweepPoint& a, const sim::SweepPoint& b) { return a.cost_usd < b.cost_usd; });
  best("days", [](const sim::SweepPoint& a, const sim::SweepPoint& b) { return a.days < b.days; });
  best("MFU", [](const sim::SweepPoint& a, const sim::SweepPoint& b) { return a.mfu > b.mfu; });
  if (items.empty()) return {"best", "Best point per objective", {paragraph(prose("No point can run."))}};
  return {"best", "Best point per objective", {bullet_list(items)}};
}

PageSection pareto_section(const sim::Sweep& sweep) {
  std::vector<PageText> items;
  for (size_t i : cost_days_pareto_front(sweep)) {
    const sim::SweepPoint& p = sweep.points[i];
    items.push_back(prose(fmt::format("{}: ${:.4g}, {:.1f} days", fmt::join(p.values, ", "), p.cost_usd, p.days)));
  }
  if (items.empty()) return {"pareto", "Pareto front of cost and days", {paragraph(prose("No point can run."))}};
  return {"pareto", "Pareto front of cost and days",
          {paragraph(prose("The points no other point beats on both cost and days, cheapest first:")), bullet_list(items)}};
}

PageSection pictures_section(const sim::Sweep& sweep) {
  PageSection out{"pictures", "Pictures", {}};
  for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
    const std::string stem = "by-" + std::to_string(a) + "-";
    out.blocks.push_back(figure_block({stem + "cost.svg", sweep_axis_svg(sweep, a, SweepFigure::kCostUsd),
                                       "Cost by " + sweep.axes[a].key}));
    out.blocks.push_back(figure_block({stem + "days.svg", sweep_axis_svg(sweep, a, SweepFigure::kDays),
                                       "Calendar days by " + sweep.axes[a].key}));
  }
  out.blocks.push_back(figure_block({"step-breakdown.svg", sweep_breakdown_svg(sweep), "Each point's step time by part"}));
  return out;
}

}  // namespace

ReportPage sweep_page(const sim::Sweep& sweep, const std::string& command_line) {
  ReportPage page;
  page.title = "trainsim sweep";
  page.lead.push_back(prose("Written by ") + code(command_line) + prose("; beside it ") + code("sweep.csv") + prose(", ") +
                      code("sweep.json") + prose(" and ") + code("sweep.md") + prose(" hold the same points."));
  page.sections = {points_section(sweep), best_section(sweep), pareto_section(sweep), pictures_section(sweep)};
  return page;
}

}  // namespace trainsim::reports
