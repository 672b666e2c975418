// Plain SVG with fixed-precision coordinates (svg_text.h), the series colours of svg_palette.h.
#include "reports/sweep_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "reports/svg_palette.h"
#include "reports/svg_text.h"

namespace trainsim::reports {
namespace {

// The plot area of the cost and days charts, in px.
struct SweepPlotFrame {
  static constexpr double kLeftPx = 80, kTopPx = 44, kPlotWidthPx = 560, kPlotHeightPx = 300;
};

double figure_of(const sim::SweepPoint& p, SweepFigure f) { return f == SweepFigure::kCostUsd ? p.cost_usd : p.days; }

std::string join_others(const sim::Sweep& sweep, const sim::SweepPoint& p, std::size_t axis) {
  std::string out;
  for (std::size_t a = 0; a < sweep.axes.size(); ++a)
    if (a != axis) out += (out.empty() ? "" : ", ") + sweep.axes[a].key + "=" + p.values[a];
  return out.empty() ? "all" : out;
}

void y_axis(std::string& out, double top, const std::string& label) {
  const double step = nice_tick_step(top, 5);
  for (double v = 0; v <= top * (1 + 1e-9); v += step) {
    const double y = SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx * (1 - v / top);
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#dddddd"/>)", svg_px(SweepPlotFrame::kLeftPx), svg_px(y),
                       svg_px(SweepPlotFrame::kLeftPx + SweepPlotFrame::kPlotWidthPx), svg_px(y));
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", svg_px(SweepPlotFrame::kLeftPx - 6), svg_px(y + 3),
                       xml_escape(tick_label(v, step)));
    out += "\n";
  }
  out += fmt::format(R"svg(<text x="16" y="{}" transform="rotate(-90 16 {})">{}</text>)svg", svg_px(SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx / 2),
                     svg_px(SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx / 2), xml_escape(label));
  out += "\n";
}

}  // namespace

std::string sweep_axis_svg(const sim::Sweep& sweep, std::size_t axis, SweepFigure figure) {
  const sim::SweepAxis& x_axis = sweep.axes.at(axis);
  const std::string name = figure == SweepFigure::kCostUsd ? "cost, USD" : "calendar days";
  std::map<std::string, std::vector<std::pair<std::size_t, double>>> series;  // others -> (x index, y)
  std::vector<std::string> order;
  double top = 0;
  for (const sim::SweepPoint& p : sweep.points) {
    if (!p.ok) continue;
    const std::string key = join_others(sweep, p, axis);
    if (!series.count(key)) order.push_back(key);
    const auto at = std::find(x_axis.values.begin(), x_axis.values.end(), p.values[axis]);
    series[key].push_back({static_cast<std::size_t>(at - x_axis.values.begin()), figure_of(p, figure)});
    top = std::max(top, figure_of(p, figure));
  }
  if (top <= 0) top = 1;
  top = nice_tick_step(top, 5) * std::ceil(top / nice_tick_step(top, 5));
  const double width = SweepPlotFrame::kLeftPx + SweepPlotFrame::kPlotWidthPx + 260, height = SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx + 60;
  std::string out = svg_document_open(width, height);
  out += fmt::format(R"(<text x="{}" y="24" font-size="14" text-anchor="start">{} by {}</text>)", svg_px(SweepPlotFrame::kLeftPx),
                     xml_escape(name), xml_escape(x_axis.key));
  out += "\n";
  y_axis(out, top, name);
  const double slot = SweepPlotFrame::kPlotWidthPx / static_cast<double>(x_axis.values.size());
  auto x_of = [&](std::size_t i) { return SweepPlotFrame::kLeftPx + slot * (static_cast<double>(i) + 0.5); };
  for (std::size_t i = 0; i < x_axis.values.size(); ++i) {
    out += fmt::format(R"(<text x="{}" y="{}">{}</text>)", svg_px(x_of(i)), svg_px(SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx + 16),
                       xml_escape(x_axis.values[i]));
    out += "\n";
  }
  out += fmt::format(R"(<text x="{}" y="{}">{}</text>)", svg_px(SweepPlotFrame::kLeftPx + SweepPlotFrame::kPlotWidthPx / 2),
                     svg_px(SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx + 40), xml_escape(x_axis.key));
  out += "\n";
  for (std::size_t s = 0; s < order.size(); ++s) {
    const auto& points = series[order[s]];
    std::string coordinates;
    for (const auto& [i, v] : points)
      coordinates += (coordinates.empty() ? "" : " ") + svg_px(x_of(i)) + "," + svg_px(SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx * (1 - v / top));
    out += fmt::format(R"(<g class="series"><polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>)", coordinates,
                       series_colour(s));
    for (const auto& [i, v] : points)
      out += fmt::format(R"(<circle cx="{}" cy="{}" r="3" fill="{}"/>)", svg_px(x_of(i)),
                         svg_px(SweepPlotFrame::kTopPx + SweepPlotFrame::kPlotHeightPx * (1 - v / top)), series_colour(s));
    const double legend_y = SweepPlotFrame::kTopPx + 8 + 16 * static_cast<double>(s);
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>)",
                       svg_px(SweepPlotFrame::kLeftPx + SweepPlotFrame::kPlotWidthPx + 16), svg_px(legend_y), svg_px(SweepPlotFrame::kLeftPx + SweepPlotFrame::kPlotWidthPx + 36),
                       svg_px(legend_y), series_colour(s));
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">{}</text></g>)", svg_px(SweepPlotFrame::kLeftPx + SweepPlotFrame::kPlotWidthPx + 42),
                       svg_px(legend_y + 3), xml_escape(order[s]));
    out += "\n";
  }
  return out + "</svg>\n";
}

std::string sweep_breakdown_svg(const sim::Sweep& sweep) {
  std::vector<const sim::SweepPoint*> points;
  double top = 0;
  for (const sim::SweepPoint& p : sweep.points)
    if (p.ok) {
      points.push_back(&p);
      top = std::max(top, p.step_time_s);
    }
  if (top <= 0) top = 1;
  constexpr double kRowPx = 22, kLabelPx = 220, kBarWidthPx = 520;
  const double width = kLabelPx + kBarWidthPx + 60;
  const double height = SweepPlotFrame::kTopPx + kRowPx * static_cast<double>(points.size()) + 70;
  std::string out = svg_document_open(width, height);
  out += fmt::format(R"(<text x="{}" y="24" font-size="14" text-anchor="start">step time by point: compute, bubble, exposed communication, the rest</text>)",
                     svg_px(12));
  out += "\n";
  const char* kNames[] = {"compute", "bubble", "exposed comm", "optimizer and the rest"};
  for (std::size_t r = 0; r < points.size(); ++r) {
    const sim::SweepPoint& p = *points[r];
    const double y = SweepPlotFrame::kTopPx + kRowPx * static_cast<double>(r);
    std::string label;
    for (std::size_t a = 0; a < sweep.axes.size(); ++a) label += (a ? ", " : "") + p.values[a];
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", svg_px(kLabelPx - 6), svg_px(y + 14),
                       xml_escape(label));
    const double parts[] = {p.compute_s, p.bubble_s, p.exposed_comm_s,
                            std::max(0.0, p.step_time_s - p.compute_s - p.bubble_s - p.exposed_comm_s)};
    double x = kLabelPx;
    for (std::size_t k = 0; k < 4; ++k) {
      const double w = kBarWidthPx * parts[k] / top;
      out += fmt::format(R"(<rect class="part" data-part="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>)", kNames[k],
                         svg_px(x), svg_px(y + 3), svg_px(w), svg_px(kRowPx - 6), series_colour(k));
      x += w;
    }
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">{:.3f} s</text>)", svg_px(x + 4), svg_px(y + 14), p.step_time_s);
    out += "\n";
  }
  const double legend_y = SweepPlotFrame::kTopPx + kRowPx * static_cast<double>(points.size()) + 24;
  for (std::size_t k = 0; k < 4; ++k) {
    const double x = 12 + 180 * static_cast<double>(k);
    out += fmt::format(R"(<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" text-anchor="start">{}</text>)",
                       svg_px(x), svg_px(legend_y), series_colour(k), svg_px(x + 16), svg_px(legend_y + 10), kNames[k]);
  }
  out += "\n";
  const auto skipped = std::count_if(sweep.points.begin(), sweep.points.end(), [](const sim::SweepPoint& p) { return !p.ok; });
  if (skipped > 0)
    out += fmt::format(R"(<text x="12" y="{}" text-anchor="start">{} points cannot run (sweep.csv says why)</text>)",
                       svg_px(legend_y + 32), skipped);
  return out + "\n</svg>\n";
}

}  // namespace trainsim::reports
