// The bar chart's geometry by hand: bars 440 px wide at the scale's top, starting at x = 260 (bar_chart_svg.cc),
// the scale's top the larger of the largest value and the limit.
#include "reports/bar_chart_svg.h"

#include <gtest/gtest.h>

#include "tests/reports/xml_check.h"

namespace trainsim::reports {
namespace {

TEST(BarChartSvg, BarsScaleToTheLargerOfValueAndLimit) {
  BarChart chart{"Memory <per> GPU", {{"weights", 20, "20 GiB"}, {"activations", 40, "40 GiB"}}, 80, "HBM 80 GiB"};
  const std::string svg = bar_chart_svg(chart);
  EXPECT_EQ(xml_problem(svg), "");
  // Top 80 (the limit): 20 -> 440 * 20 / 80 = 110 px, 40 -> 220 px; the limit line at 260 + 440 = 700.
  EXPECT_NE(svg.find(R"(data-label="weights" data-value="20" x="260.00" y="44.00" width="110.00")"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(data-label="activations" data-value="40" x="260.00" y="68.00" width="220.00")"), std::string::npos);
  EXPECT_NE(svg.find(R"(<line class="limit" x1="700.00")"), std::string::npos);
  EXPECT_NE(svg.find("Memory &lt;per&gt; GPU"), std::string::npos);
  chart.limit = 0;  // top 40 now: the larger bar fills the 440 px
  EXPECT_NE(bar_chart_svg(chart).find(R"(data-value="40" x="260.00" y="68.00" width="440.00")"), std::string::npos);
  EXPECT_EQ(bar_chart_svg(chart).find("class=\"limit\""), std::string::npos);
}

}  // namespace
}  // namespace trainsim::reports
