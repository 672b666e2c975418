// A sweep's tables by hand: the Pareto front of cost and days, CSV quoting (RFC 4180), reasons kept.
#include "reports/sweep_report.h"

#include <gtest/gtest.h>

namespace trainsim::reports {
namespace {

sim::SweepPoint point(std::string value, double cost_usd, double days) {
  sim::SweepPoint p;
  p.values = {std::move(value)};
  p.ok = true;
  p.cost_usd = cost_usd;
  p.days = days;
  return p;
}

TEST(SweepReport, ParetoFrontOfCostAndDaysByHand) {
  sim::Sweep sweep;
  sweep.axes = {{"parallelism.pp", {"a", "b", "c", "d", "e"}, {}}};
  // a: cheap and slow; b: dear and fast; c: beaten by a on both; d: ties a on cost, faster; e cannot run.
  sweep.points = {point("a", 100, 10), point("b", 200, 5), point("c", 150, 12), point("d", 100, 9), point("e", 1, 1)};
  sweep.points[4].ok = false;
  sweep.points[4].reason = "pp 7 does not divide 32 GPUs\nsecond line";
  EXPECT_EQ(cost_days_pareto_front(sweep), (std::vector<size_t>{3, 1}));  // d (100, 9), then b (200, 5)
  const std::string csv = sweep_csv(sweep);
  EXPECT_NE(csv.find("\ne,no,,,,,,,,,,pp 7 does not divide 32 GPUs\n"), std::string::npos) << csv;  // first line only
  sweep.points[4].reason = "a, \"quoted\" reason";
  EXPECT_NE(sweep_csv(sweep).find(",\"a, \"\"quoted\"\" reason\"\n"), std::string::npos) << sweep_csv(sweep);
}

}  // namespace
}  // namespace trainsim::reports

#include "reports/sweep_charts.h"
#include "tests/reports/xml_check.h"
#include "tests/reports/text_count.h"

namespace trainsim::reports {
namespace {

TEST(SweepCharts, OneLinePerOtherCombinationAndFourPartsPerBar) {
  sim::Sweep sweep;
  sweep.axes = {{"parallelism.pp", {"8", "16"}, {}}, {"cluster.gpu", {"h800", "h100"}, {}}};
  for (const char* pp : {"8", "16"})
    for (const char* gpu : {"h800", "h100"}) {
      sim::SweepPoint p = point(pp, 100, 10);
      p.values.push_back(gpu);
      p.step_time_s = 10;
      p.compute_s = 6;
      p.bubble_s = 2;
      p.exposed_comm_s = 1;  // the rest: 1 s
      sweep.points.push_back(p);
    }
  sweep.points[3].ok = false;
  const std::string by_pp = sweep_axis_svg(sweep, 0, SweepFigure::kCostUsd);
  EXPECT_EQ(xml_problem(by_pp), "");
  EXPECT_EQ(occurrences(by_pp, "<polyline"), 2u);  // one line per GPU, the other key
  EXPECT_EQ(occurrences(by_pp, "<circle"), 3u);    // the point that cannot run is left out
  const std::string bars = sweep_breakdown_svg(sweep);
  EXPECT_EQ(xml_problem(bars), "");
  EXPECT_EQ(occurrences(bars, "class=\"part\""), 12u);  // 3 points x 4 parts
  // The widest bar (10 s) spans the 520 px: compute 6 s is 312 px.
  EXPECT_NE(bars.find("data-part=\"compute\" x=\"220.00\" y=\"47.00\" width=\"312.00\""), std::string::npos) << bars;
  EXPECT_NE(bars.find("1 points cannot run"), std::string::npos);
}

}  // namespace
}  // namespace trainsim::reports
