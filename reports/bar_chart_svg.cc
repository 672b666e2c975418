// Plain SVG with fixed-precision coordinates (svg_text.h) and the series colours of svg_palette.h.
#include "reports/bar_chart_svg.h"

#include <fmt/format.h>

#include <algorithm>

#include "reports/svg_palette.h"
#include "reports/svg_text.h"

namespace trainsim::reports {
std::string bar_chart_svg(const BarChart& chart) {
  // Sizes in px, chosen to read at the page's 1180 px: labels up to about 45 characters of the 10 px house font.
  constexpr double kLabelPx = 260, kBarPx = 440, kValuePx = 110, kRowPx = 24, kTopPx = 40, kBottomPx = 28;
  double top = chart.limit;
  for (const BarChartRow& row : chart.rows) top = std::max(top, row.value);
  if (top <= 0) top = 1;
  const double width = kLabelPx + kBarPx + kValuePx;
  const double height = kTopPx + kRowPx * static_cast<double>(chart.rows.size()) + kBottomPx;
  std::string out = svg_document_open(width, height);
  out += fmt::format(R"(<text x="12" y="24" font-size="14" text-anchor="start">{}</text>)", xml_escape(chart.title));
  out += "\n";
  for (std::size_t r = 0; r < chart.rows.size(); ++r) {
    const BarChartRow& row = chart.rows[r];
    const double y = kTopPx + kRowPx * static_cast<double>(r);
    const double w = kBarPx * std::max(0.0, row.value) / top;
    out += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>)", svg_px(kLabelPx - 8),
                       svg_px(y + 16), xml_escape(row.label));
    out += fmt::format(R"(<rect class="bar" data-label="{}" data-value="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>)",
                       xml_escape(row.label), row.value, svg_px(kLabelPx), svg_px(y + 4), svg_px(w), svg_px(kRowPx - 8),
                       series_colour(r));
    out += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="start">{}</text>)", svg_px(kLabelPx + w + 6),
                       svg_px(y + 16), xml_escape(row.value_text));
    out += "\n";
  }
  const double bottom = kTopPx + kRowPx * static_cast<double>(chart.rows.size());
  out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#888888"/>)", svg_px(kLabelPx), svg_px(kTopPx),
                     svg_px(bottom));
  if (chart.limit > 0) {
    const double x = kLabelPx + kBarPx * chart.limit / top;
    out += fmt::format(R"(<line class="limit" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#c53030" stroke-dasharray="4 3"/>)",
                       svg_px(x), svg_px(kTopPx - 4), svg_px(bottom + 4));
    out += fmt::format(R"(<text x="{}" y="{}" font-size="12" fill="#c53030" text-anchor="end">{}</text>)", svg_px(x),
                       svg_px(bottom + 18), xml_escape(chart.limit_label));
    out += "\n";
  }
  return out + "</svg>\n";
}

}  // namespace trainsim::reports
