// The routing pictures: well-formed SVG with one element per series and per cell, and values placed and
// coloured where a hand calculation from the frames in routing_charts.h puts them.
#include "reports/routing_charts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "core/error.h"
#include "xml_check.h"

namespace trainsim::reports {
namespace {

long regex_matches(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern);
  return std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator());
}

MaxVioChart two_series() {
  MaxVioChart chart;
  chart.title = "MaxVio <sample> & co";
  chart.series = {{"bias balancing", {0, 10, 20}, {0, 0.5, 1.5}}, {"none", {0, 10, 20}, {1.2, 1.3, 1.25}}};
  return chart;
}

TEST(MaxVioChart, IsWellFormedWithOneLinePerSeries) {
  const std::string svg = maxvio_chart_svg(two_series());
  ASSERT_EQ(xml_problem(svg), "");
  EXPECT_TRUE(svg.starts_with("<?xml"));
  EXPECT_EQ(regex_matches(svg, "<svg "), 1);
  EXPECT_EQ(regex_matches(svg, "<polyline "), 2);
  EXPECT_EQ(regex_matches(svg, "<circle "), 6);  // 3 points each, under kMaxVioChartMaxDots
  EXPECT_EQ(regex_matches(svg, R"(<g class="series" data-name="bias balancing">)"), 1);
  EXPECT_EQ(regex_matches(svg, R"(<g class="series" data-name="none">)"), 1);
  EXPECT_NE(svg.find("MaxVio &lt;sample&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(maxvio_chart_svg(two_series()), svg);  // same input, same bytes
}

TEST(MaxVioChart, PlacesPointsByHand) {
  // Largest value 1.5: ticks of 0.2 (1.5 / 8 = 0.1875, rounded up to 1, 2 or 5 x 10^k), top 1.6. x spans steps
  // 0 to 20 over 560 px from 72; y: 44 + 300 (1 - v / 1.6): 0 -> 344, 0.5 -> 250.25, 1.5 -> 62.75.
  const std::string svg = maxvio_chart_svg(two_series());
  EXPECT_NE(svg.find(R"(stroke="#1f77b4" stroke-width="2" stroke-linejoin="round" )"
                     R"(points="72.00,344.00 352.00,250.25 632.00,62.75"/>)"),
            std::string::npos);
  // "none": 1.2 -> 44 + 300 * 0.25 = 119; 1.3 -> 100.25; 1.25 -> 109.625, printed 109.62 or 109.63.
  EXPECT_NE(svg.find(R"(points="72.00,119.00 352.00,100.25 632.00,109.6)"), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#ff7f0e\""), std::string::npos);
  // y ticks 0.0 ... 1.6 (nine); x ticks every 5 steps: 0 5 10 15 20.
  for (const char* label : {">0.0<", ">0.2<", ">0.8<", ">1.6<"}) EXPECT_NE(svg.find(label), std::string::npos) << label;
  EXPECT_EQ(svg.find(">1.8<"), std::string::npos);
  for (const char* label : {">0<", ">5<", ">10<", ">15<", ">20<"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
}

TEST(MaxVioChart, AnEmptyChartStillDrawsItsFrame) {
  MaxVioChart chart;
  chart.title = "no data";
  const std::string svg = maxvio_chart_svg(chart);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(regex_matches(svg, "<polyline "), 0);
}

TEST(MaxVioChart, RejectsASeriesWithMoreStepsThanValuesOrANonFiniteValue) {
  MaxVioChart chart;
  chart.series = {{"short", {0, 1, 2}, {0.1, 0.2}}};
  EXPECT_THROW(maxvio_chart_svg(chart), Error);
  chart.series = {{"nan", {0, 1}, {0.1, std::nan("")}}};
  EXPECT_THROW(maxvio_chart_svg(chart), Error);
}

GpuLoadMap tiny_map() {
  GpuLoadMap map;
  map.title = "tiny";
  map.layer_names = {"layer 3", "layer 4", "layer 5"};
  map.loads = {{1, 1, 1, 1}, {0, 2, 1, 1}, {0, 0, 0, 0}};
  return map;
}

TEST(GpuLoadHeatmap, IsWellFormedWithOneCellPerLayerAndGpu) {
  const std::string svg = gpu_load_heatmap_svg(tiny_map());
  ASSERT_EQ(xml_problem(svg), "");
  EXPECT_EQ(regex_matches(svg, R"(<rect class="cell" )"), 12);
  EXPECT_EQ(regex_matches(svg, R"(<rect class="straggler" )"), 2);  // the layer without load has none
  EXPECT_EQ(regex_matches(svg, R"(<g class="layer" )"), 3);
  EXPECT_EQ(gpu_load_heatmap_svg(tiny_map()), svg);
}

TEST(GpuLoadHeatmap, PlacesAndColoursCellsByHand) {
  // 4 GPUs: cells 900 / 4 = 225 px, capped at 48; x = 72 + 48 g, y = 64 + 18 layer. Layer 4 has mean 1: ratios
  // 0, 2, 1, 1 on a scale topped at 2 -> the scale's ends #0571b0 and #ca0020, white #f7f7f7 at 1.
  const std::string svg = gpu_load_heatmap_svg(tiny_map());
  EXPECT_NE(svg.find(R"(<rect class="cell" data-layer="0" data-gpu="3" data-ratio="1.0000" x="216.00" y="64.00" )"
                     R"(width="48.00" height="18.00" fill="#f7f7f7"/>)"),
            std::string::npos);
  EXPECT_NE(svg.find(R"(<rect class="cell" data-layer="1" data-gpu="0" data-ratio="0.0000" x="72.00" y="82.00" )"
                     R"(width="48.00" height="18.00" fill="#0571b0"/>)"),
            std::string::npos);
  EXPECT_NE(svg.find(R"(<rect class="cell" data-layer="1" data-gpu="1" data-ratio="2.0000" x="120.00" y="82.00" )"
                     R"(width="48.00" height="18.00" fill="#ca0020"/>)"),
            std::string::npos);
  // The straggler of layer 4 is GPU 1, outlined 1 px inside its cell, named at the row's end (72 + 4 x 48 + 8).
  EXPECT_NE(svg.find(R"(<rect class="straggler" x="121.00" y="83.00" width="46.00" height="16.00" )"),
            std::string::npos);
  EXPECT_NE(svg.find(R"(<text x="272.00" y="94.50" text-anchor="start">GPU 1: 2.00 x mean</text>)"), std::string::npos);
  // A layer without load: grey cells, "no load".
  EXPECT_NE(svg.find(R"(data-layer="2" data-gpu="0" data-ratio="0.0000" x="72.00" y="100.00" width="48.00" )"
                     R"(height="18.00" fill="#d9d9d9"/>)"),
            std::string::npos);
  EXPECT_NE(svg.find(">no load<"), std::string::npos);
}

TEST(GpuLoadHeatmap, ColourScaleInterpolatesBetweenRdBuStops) {
  EXPECT_EQ(load_ratio_fill(0, 2), "#0571b0");
  EXPECT_EQ(load_ratio_fill(0.5, 2), "#92c5de");
  EXPECT_EQ(load_ratio_fill(1, 2), "#f7f7f7");
  EXPECT_EQ(load_ratio_fill(1.5, 2), "#f4a582");
  EXPECT_EQ(load_ratio_fill(2, 2), "#ca0020");
  EXPECT_EQ(load_ratio_fill(7, 2), "#ca0020");
  // Halfway from #0571b0 to #92c5de: (5 + 146) / 2 = 75.5 -> 76 = 0x4c, (113 + 197) / 2 = 155 = 0x9b,
  // (176 + 222) / 2 = 199 = 0xc7.
  EXPECT_EQ(load_ratio_fill(0.25, 2), "#4c9bc7");
  // Top 4: the light red stop moves to 2.5.
  EXPECT_EQ(load_ratio_fill(2.5, 4), "#f4a582");
}

TEST(GpuLoadHeatmap, ScaleTopIsTwoOrTheLargestRatioRoundedUpToAHalf) {
  GpuLoadMap map;
  map.loads = {{1, 1, 1, 1.3}};
  EXPECT_EQ(heatmap_scale_top(map), 2);
  map.loads = {{0, 0, 1.1, 1}};  // mean 0.525: 1.1 / 0.525 = 2.095 -> 2.5
  EXPECT_EQ(heatmap_scale_top(map), 2.5);
  map.loads.push_back({0, 0, 0, 2.6});  // ratio 4
  EXPECT_EQ(heatmap_scale_top(map), 4);
}

TEST(GpuLoadHeatmap, RejectsRaggedRowsAndNegativeLoads) {
  GpuLoadMap map;
  map.loads = {{1, 1}, {1, 1, 1}};
  EXPECT_THROW(gpu_load_heatmap_svg(map), Error);
  map.loads = {{1, -1}};
  EXPECT_THROW(gpu_load_heatmap_svg(map), Error);
}

}  // namespace
}  // namespace trainsim::reports
