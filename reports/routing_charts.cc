// The routing pictures (routing_charts.h). Series colours are matplotlib's "tab10" cycle; the heat map's
// scale is ColorBrewer's diverging RdBu (colorbrewer2.org), chosen so 1 (balanced) reads as neutral white.
#include "reports/routing_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <string_view>

#include "core/error.h"
#include "reports/svg_palette.h"
#include "reports/svg_text.h"

namespace trainsim::reports {
namespace {

constexpr std::string_view kScaleCaption =
    "colour: load / the layer's mean load (1 = balanced); outlined: each layer's most loaded GPU";


void draw_title(std::string& out, const std::string& title, double x) {
  out += fmt::format(R"(<text x="{}" y="24" font-size="14" text-anchor="start">{}</text>)", svg_px(x),
                     xml_escape(title));
  out += "\n";
}

// ---- MaxVio over steps ----

struct Ranges {
  double x0 = 0, x1 = 1;      // steps, exactly the data's
  double y_top = 1;           // the first tick at or above the largest value
  double x_step = 1, y_step = 0.2;
};

Ranges chart_ranges(const MaxVioChart& chart) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y1 = 0;
  for (const ChartSeries& s : chart.series) {
    TS_CHECK(s.x.size() == s.y.size(), "series '{}' has {} steps and {} values", s.name, s.x.size(), s.y.size());
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      TS_CHECK(std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && s.y[i] >= 0,
               "series '{}' point {} is ({}, {}); MaxVio is finite and >= 0", s.name, i, s.x[i], s.y[i]);
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y1 = std::max(y1, s.y[i]);
    }
  }
  Ranges r;
  if (x0 <= x1) {
    r.x0 = x0;
    r.x1 = x1 > x0 ? x1 : x0 + 1;
  }
  r.x_step = std::max(1.0, nice_tick_step(r.x1 - r.x0, 8));  // steps are whole numbers
  r.y_step = y1 > 0 ? nice_tick_step(y1, 8) : 0.2;
  r.y_top = y1 > 0 ? std::ceil(y1 / r.y_step - 1e-9) * r.y_step : 1;
  return r;
}

struct ChartMap {
  Ranges r;
  double x(double step) const {
    return LineChartFrame::kLeftPx + (step - r.x0) / (r.x1 - r.x0) * LineChartFrame::kPlotWidthPx;
  }
  double y(double value) const {
    return LineChartFrame::kTopPx + LineChartFrame::kPlotHeightPx * (1 - value / r.y_top);
  }
};

void draw_chart_axes(std::string& out, const MaxVioChart& chart, const ChartMap& m) {
  using F = LineChartFrame;
  const double bottom = F::kTopPx + F::kPlotHeightPx;
  const double right = F::kLeftPx + F::kPlotWidthPx;
  out += R"(<g class="axes">)";
  for (int i = 0; i * m.r.y_step <= m.r.y_top * (1 + 1e-9); ++i) {
    const double v = i * m.r.y_step;
    out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{3}"/>)", svg_px(F::kLeftPx - 5),
                       svg_px(m.y(v)), svg_px(right), i == 0 ? "#000000" : "#e2e2e2");
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", svg_px(F::kLeftPx - 8),
                       svg_px(m.y(v) + 3.5), tick_label(v, m.r.y_step));
  }
  const double first_tick = std::ceil(m.r.x0 / m.r.x_step - 1e-9) * m.r.x_step;
  for (double v = first_tick; v <= m.r.x1 * (1 + 1e-12) + 1e-12; v += m.r.x_step) {
    out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#000000"/>)", svg_px(m.x(v)),
                       svg_px(bottom), svg_px(bottom + 5));
    out += fmt::format(R"(<text x="{}" y="{}">{}</text>)", svg_px(m.x(v)), svg_px(bottom + 17),
                       tick_label(v, m.r.x_step));
  }
  out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#000000"/>)", svg_px(F::kLeftPx),
                     svg_px(F::kTopPx), svg_px(bottom));
  out += fmt::format(R"(<text x="{}" y="{}" font-size="12">{}</text>)", svg_px(F::kLeftPx + F::kPlotWidthPx / 2),
                     svg_px(bottom + 36), xml_escape(chart.x_label));
  out += fmt::format(R"svg(<text x="{0}" y="{1}" font-size="12" transform="rotate(-90 {0} {1})">{2}</text>)svg",
                     svg_px(F::kLeftPx - 48), svg_px(F::kTopPx + F::kPlotHeightPx / 2), xml_escape(chart.y_label));
  out += "</g>\n";
}

void draw_series(std::string& out, const ChartSeries& s, const char* colour, const ChartMap& m) {
  out += fmt::format(R"(<g class="series" data-name="{}"><polyline fill="none" stroke="{}" stroke-width="2" )"
                     R"(stroke-linejoin="round" points=")",
                     xml_escape(s.name), colour);
  for (std::size_t i = 0; i < s.x.size(); ++i)
    out += fmt::format("{}{},{}", i ? " " : "", svg_px(m.x(s.x[i])), svg_px(m.y(s.y[i])));
  out += R"("/>)";
  if (s.x.size() <= static_cast<std::size_t>(kMaxVioChartMaxDots))
    for (std::size_t i = 0; i < s.x.size(); ++i)
      out += fmt::format(R"(<circle cx="{}" cy="{}" r="2.5" fill="{}"/>)", svg_px(m.x(s.x[i])), svg_px(m.y(s.y[i])),
                         colour);
  out += "</g>\n";
}

void draw_chart_legend(std::string& out, const MaxVioChart& chart) {
  using F = LineChartFrame;
  const double x = F::kLeftPx + F::kPlotWidthPx + 20;
  out += R"(<g class="legend">)";
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const double y = F::kTopPx + 10 + 20 * static_cast<double>(i);
    out += fmt::format(R"(<line x1="{0}" y1="{2}" x2="{1}" y2="{2}" stroke="{3}" stroke-width="3"/>)", svg_px(x),
                       svg_px(x + 24), svg_px(y), series_colour(i));
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start" font-size="12">{}</text>)", svg_px(x + 30),
                       svg_px(y + 4), xml_escape(chart.series[i].name));
  }
  out += "</g>\n";
}

// ---- per-GPU load heat map ----

struct Rgb {
  double r, g, b;
};

Rgb rgb(unsigned hex) {
  return {static_cast<double>(hex >> 16 & 0xff), static_cast<double>(hex >> 8 & 0xff), static_cast<double>(hex & 0xff)};
}

std::string hex(const Rgb& c) {
  const auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0))); };
  return fmt::format("#{:02x}{:02x}{:02x}", byte(c.r), byte(c.g), byte(c.b));
}

// White text on the dark ends of the scale (its outer fifths).
bool dark_ratio(double ratio, double top) { return ratio < 0.2 || ratio > top - 0.2 * (top - 1); }

double row_mean(const std::vector<double>& row) {
  return row.empty() ? 0 : std::accumulate(row.begin(), row.end(), 0.0) / static_cast<double>(row.size());
}

void draw_scale(std::string& out, double top, double y) {
  using F = HeatmapFrame;
  constexpr int kSteps = 60;
  constexpr double kBarPx = 360;
  out += R"(<g class="scale">)";
  for (int i = 0; i < kSteps; ++i) {
    const double ratio = (i + 0.5) * top / kSteps;
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="12" fill="{}"/>)",
                       svg_px(F::kLeftPx + i * kBarPx / kSteps), svg_px(y), svg_px(kBarPx / kSteps + 0.3),
                       load_ratio_fill(ratio, top));
  }
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="12" fill="none" stroke="#555555" stroke-width="0.5"/>)",
                     svg_px(F::kLeftPx), svg_px(y), svg_px(kBarPx));
  const double step = nice_tick_step(top, 6) < 0.5 ? 0.5 : nice_tick_step(top, 6);
  for (int i = 0; i * step <= top * (1 + 1e-9); ++i) {
    const double x = F::kLeftPx + i * step / top * kBarPx;
    out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#000000"/>)", svg_px(x), svg_px(y + 12),
                       svg_px(y + 16));
    out += fmt::format(R"(<text x="{}" y="{}">{}</text>)", svg_px(x), svg_px(y + 27), tick_label(i * step, 0.1));
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start" font-size="11">{}</text>)", svg_px(F::kLeftPx),
                     svg_px(y + 46), kScaleCaption);
  out += "</g>\n";
}

void draw_gpu_header(std::string& out, int gpus, double cell_w) {
  using F = HeatmapFrame;
  const int every = std::max(1, static_cast<int>(std::ceil(3 * kCharWidthPx / cell_w)));
  out += R"(<g class="gpus">)";
  for (int g = 0; g < gpus; g += every)
    out += fmt::format(R"(<text x="{}" y="{}">{}</text>)", svg_px(F::kLeftPx + (g + 0.5) * cell_w),
                       svg_px(F::kTopPx - 6), g);
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">GPU</text>)", svg_px(F::kLeftPx - 8),
                     svg_px(F::kTopPx - 6));
  out += "</g>\n";
}

// Drawn over the cells, so a node's GPUs read as a block.
void draw_node_lines(std::string& out, const GpuLoadMap& map, int gpus, double cell_w) {
  using F = HeatmapFrame;
  if (map.gpus_per_node <= 0 || map.gpus_per_node >= gpus) return;
  out += R"(<g class="nodes">)";
  for (int g = map.gpus_per_node; g < gpus; g += map.gpus_per_node)
    out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#222222" stroke-width="1.5"/>)",
                       svg_px(F::kLeftPx + g * cell_w), svg_px(F::kTopPx - 2),
                       svg_px(F::kTopPx + static_cast<double>(map.loads.size()) * F::kCellHeightPx + 2));
  out += "</g>\n";
}

void draw_row(std::string& out, const GpuLoadMap& map, std::size_t layer, double cell_w, double top) {
  using F = HeatmapFrame;
  const std::vector<double>& row = map.loads[layer];
  const double mean = row_mean(row);
  const double y = F::kTopPx + static_cast<double>(layer) * F::kCellHeightPx;
  const std::string name = layer < map.layer_names.size() ? map.layer_names[layer] : fmt::format("layer {}", layer);
  out += fmt::format(R"(<g class="layer" data-layer="{}"><text x="{}" y="{}" text-anchor="end">{}</text>)", layer,
                     svg_px(F::kLeftPx - 8), svg_px(y + F::kCellHeightPx / 2 + 3.5), xml_escape(name));
  const auto heaviest = static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
  for (int g = 0; g < static_cast<int>(row.size()); ++g) {
    const double ratio = mean > 0 ? row[static_cast<std::size_t>(g)] / mean : 0;
    out += fmt::format(R"(<rect class="cell" data-layer="{}" data-gpu="{}" data-ratio="{:.4f}" x="{}" y="{}" )"
                       R"(width="{}" height="{}" fill="{}"/>)",
                       layer, g, ratio, svg_px(F::kLeftPx + g * cell_w), svg_px(y), svg_px(cell_w),
                       svg_px(F::kCellHeightPx), mean > 0 ? load_ratio_fill(ratio, top) : "#d9d9d9");
  }
  if (mean > 0) {
    const double ratio = row[static_cast<std::size_t>(heaviest)] / mean;
    const double x = F::kLeftPx + heaviest * cell_w;
    out += fmt::format(R"(<rect class="straggler" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#000000" )"
                       R"(stroke-width="2"/>)",
                       svg_px(x + 1), svg_px(y + 1), svg_px(cell_w - 2), svg_px(F::kCellHeightPx - 2));
    if (4 * kCharWidthPx + 4 <= cell_w)
      out += fmt::format(R"(<text x="{}" y="{}" fill="{}">{:.2f}</text>)", svg_px(x + cell_w / 2),
                         svg_px(y + F::kCellHeightPx / 2 + 3.5), dark_ratio(ratio, top) ? "#ffffff" : "#111111", ratio);
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">GPU {}: {:.2f} x mean</text>)",
                       svg_px(F::kLeftPx + static_cast<double>(row.size()) * cell_w + 8),
                       svg_px(y + F::kCellHeightPx / 2 + 3.5), heaviest, ratio);
  } else {
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">no load</text>)",
                       svg_px(F::kLeftPx + static_cast<double>(row.size()) * cell_w + 8),
                       svg_px(y + F::kCellHeightPx / 2 + 3.5));
  }
  out += "</g>\n";
}

}  // namespace

std::string maxvio_chart_svg(const MaxVioChart& chart) {
  using F = LineChartFrame;
  const ChartMap m{chart_ranges(chart)};
  std::size_t longest_name = 0;
  for (const ChartSeries& s : chart.series) longest_name = std::max(longest_name, s.name.size());
  const double width = F::kLeftPx + F::kPlotWidthPx + 60 + 7.2 * static_cast<double>(longest_name) + 20;
  const double height = F::kTopPx + F::kPlotHeightPx + 56;
  std::string out = svg_document_open(width, height);
  draw_title(out, chart.title, F::kLeftPx);
  draw_chart_axes(out, chart, m);
  for (std::size_t i = 0; i < chart.series.size(); ++i)
    draw_series(out, chart.series[i], series_colour(i), m);
  draw_chart_legend(out, chart);
  out += "</svg>\n";
  return out;
}

double HeatmapFrame::cell_width_px(int gpus) {
  return std::clamp(kTargetWidthPx / std::max(gpus, 1), kMinCellWidthPx, kMaxCellWidthPx);
}

double heatmap_scale_top(const GpuLoadMap& map) {
  double top = 2;
  for (const std::vector<double>& row : map.loads) {
    const double mean = row_mean(row);
    for (double load : row)
      if (mean > 0) top = std::max(top, std::ceil(2 * load / mean - 1e-9) / 2);
  }
  return top;
}

std::string load_ratio_fill(double ratio, double top) {
  TS_CHECK(top > 1, "colour scale top {} is not above 1", top);
  const std::array<double, 5> at = {0, 0.5, 1, (1 + top) / 2, top};
  const std::array<Rgb, 5> colour = {rgb(0x0571b0), rgb(0x92c5de), rgb(0xf7f7f7), rgb(0xf4a582), rgb(0xca0020)};
  if (ratio <= 0) return hex(colour[0]);
  for (std::size_t i = 1; i < at.size(); ++i)
    if (ratio <= at[i]) {
      const double t = (ratio - at[i - 1]) / (at[i] - at[i - 1]);
      const Rgb& a = colour[i - 1];
      const Rgb& b = colour[i];
      return hex({a.r + t * (b.r - a.r), a.g + t * (b.g - a.g), a.b + t * (b.b - a.b)});
    }
  return hex(colour.back());
}

std::string gpu_load_heatmap_svg(const GpuLoadMap& map) {
  using F = HeatmapFrame;
  int gpus = 0;
  for (const std::vector<double>& row : map.loads) {
    TS_CHECK(gpus == 0 || static_cast<int>(row.size()) == gpus, "ragged heat map: {} and {} GPUs", gpus, row.size());
    gpus = static_cast<int>(row.size());
    for (double load : row) TS_CHECK(std::isfinite(load) && load >= 0, "heat map load {} is not >= 0", load);
  }
  const double cell_w = F::cell_width_px(gpus);
  const double top = heatmap_scale_top(map);
  const double rows_end = F::kTopPx + static_cast<double>(map.loads.size()) * F::kCellHeightPx;
  // Room for the straggler column (about 22 characters) and for the caption under the scale at font-size 11.
  const double width = std::max(F::kLeftPx + gpus * cell_w + 8 + 22 * kCharWidthPx + 12,
                                F::kLeftPx + 6.8 * static_cast<double>(kScaleCaption.size()) + 20);
  const double height = rows_end + 18 + 60;
  std::string out = svg_document_open(width, height);
  draw_title(out, map.title, F::kLeftPx);
  draw_gpu_header(out, gpus, cell_w);
  for (std::size_t layer = 0; layer < map.loads.size(); ++layer) draw_row(out, map, layer, cell_w, top);
  draw_node_lines(out, map, gpus, cell_w);
  draw_scale(out, top, rows_end + 18);
  out += "</svg>\n";
  return out;
}

}  // namespace trainsim::reports
