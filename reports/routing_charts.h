// SVG pictures of expert routing: MaxVio over training steps (the form of figure 2 of Wang et al. 2024,
// "Auxiliary-Loss-Free Load Balancing Strategy for Mixture-of-Experts") and a heat map of each GPU's load
// per MoE layer, its straggler outlined. Plain data in, deterministic bytes out (fixed-precision numbers).
#pragma once
#include <string>
#include <vector>

namespace trainsim::reports {

// The line chart's frame, in px (tests place points by hand with it).
struct LineChartFrame {
  static constexpr double kLeftPx = 72;
  static constexpr double kTopPx = 44;
  static constexpr double kPlotWidthPx = 560;
  static constexpr double kPlotHeightPx = 300;
};

// One named curve: y[i] >= 0 at step x[i] (equal lengths, finite; x ascending).
struct ChartSeries {
  std::string name;  // "bias balancing", "none"
  std::vector<double> x;
  std::vector<double> y;
};

struct MaxVioChart {
  std::string title;
  std::string x_label = "training step";
  std::string y_label = "MaxVio (max load / mean load - 1)";
  std::vector<ChartSeries> series;
};

// x spans the series' steps exactly, y runs from 0 to the first tick at or above the largest value. Each series
// is a <g class="series" data-name=...> holding one <polyline> (its points "x,y ..."), dots where it has at
// most kMaxVioChartMaxDots points, and a legend entry.
constexpr int kMaxVioChartMaxDots = 60;
std::string maxvio_chart_svg(const MaxVioChart& chart);

// The heat map's frame, in px: cells of kCellHeightPx rows and a width that fits kTargetWidthPx between the
// bounds.
struct HeatmapFrame {
  static constexpr double kLeftPx = 72;
  static constexpr double kTopPx = 64;
  static constexpr double kCellHeightPx = 18;
  static constexpr double kTargetWidthPx = 900;
  static constexpr double kMinCellWidthPx = 8;
  static constexpr double kMaxCellWidthPx = 48;
  static double cell_width_px(int gpus);
};

struct GpuLoadMap {
  std::string title;
  std::vector<std::string> layer_names;     // row labels, one per layer ("layer 3")
  std::vector<std::vector<double>> loads;   // [layer][GPU]: tokens or rows, >= 0
  int gpus_per_node = 0;                    // > 0: a thicker line between nodes
};

// Cells coloured by load / the layer's mean on a diverging scale (blue under, white at 1, red over) from 0 to
// heatmap_scale_top; each row's heaviest GPU outlined and named at the row's end with its ratio. Each cell is a
// <rect class="cell" data-layer data-gpu data-ratio ...>; a layer with no load is grey.
std::string gpu_load_heatmap_svg(const GpuLoadMap& map);

// The top of the colour scale: 2, or the largest ratio rounded up to a half when it is above 2.
double heatmap_scale_top(const GpuLoadMap& map);

// The fill of a load / mean ratio on a scale from 0 to `top` (> 1): ColorBrewer's 5-class RdBu stops
// #0571b0 (0), #92c5de (0.5), #f7f7f7 (1), #f4a582 ((1 + top) / 2), #ca0020 (top and above), linear in sRGB.
std::string load_ratio_fill(double ratio, double top);

}  // namespace trainsim::reports
