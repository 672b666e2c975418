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
  sweep.axes = {{"parallelism.pp", {"a", "b", "c", "d", "e"}}};
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
