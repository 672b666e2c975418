// A horizontal bar chart: one labelled bar per row, its value printed beside it, an optional marked limit (a
// GPU's memory); the report page's step-time, compute-by-kind and memory pictures.
#pragma once
#include <string>
#include <vector>

namespace trainsim::reports {

struct BarChartRow {
  std::string label;       // left of the bar
  double value = 0;        // >= 0, finite
  std::string value_text;  // right of the bar ("1.234 s", "12.3 GiB")
};

struct BarChart {
  std::string title;
  std::vector<BarChartRow> rows;
  double limit = 0;         // > 0: a dashed line at this value, named limit_label
  std::string limit_label;
};

// Bars scale to the larger of the largest value and the limit. Each bar is a <rect class="bar" data-label
// data-value ...> (data-value the shortest round-trip decimal) so tests can read the picture back.
std::string bar_chart_svg(const BarChart& chart);

}  // namespace trainsim::reports
