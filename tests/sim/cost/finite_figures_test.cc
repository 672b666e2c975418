// The last guard: a figure that is not finite is one internal error naming it; and the value ranges make it
// unreachable: the scenarios users reported, pushed to the very ends of the ranges instead, give finite figures
// at the closed form and in the event engine.
#include "sim/cost/finite_figures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sim/cost/run_evaluation.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::with;

RunRequest at(Fidelity fidelity) {
  RunRequest request;
  request.fidelity = fidelity;
  return request;
}

std::string error_of(const Estimate& estimate, const RunEstimate& run) {
  try {
    check_figures_finite(estimate, run);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(FiniteFigures, ANonFiniteFigureIsAnInternalErrorNamingIt) {
  const Scenario s = parse_scenario(testing::kValidScenario, "s.yaml");
  RunEvaluation ok = evaluate_run(s, at(Fidelity::kAnalytic));
  EXPECT_EQ(error_of(ok.estimate, ok.run), "no error");
  RunEstimate run = ok.run;
  run.gpu_hours = std::numeric_limits<double>::infinity();
  const std::string message = error_of(ok.estimate, run);
  EXPECT_TRUE(is_internal_error_message(message)) << message;
  EXPECT_NE(message.find(": run.gpu_hours is inf"), std::string::npos) << message;
  Estimate estimate = ok.estimate;
  estimate.step.mfu = std::nan("");
  EXPECT_NE(error_of(estimate, ok.run).find(": step.mfu is nan"), std::string::npos);
}

void expect_finite(const RunEvaluation& e) {
  EXPECT_TRUE(std::isfinite(e.estimate.step.step_time_s));
  EXPECT_TRUE(std::isfinite(e.run.gpu_hours));
  EXPECT_TRUE(std::isfinite(e.run.gpu_hours_per_trillion_tokens));
  EXPECT_TRUE(std::isfinite(e.run.cost_usd));
  EXPECT_GT(e.run.gpu_hours, 0);
}

// The reported cases at the ends of their ranges: the most tokens, the slowest NIC and NVLink, the longest
// latencies, the highest price. evaluate_run checks every figure; it must not throw.
TEST(FiniteFigures, TheEndsOfTheRangesGiveFiniteFigures) {
  const std::string slowest = with("  nic_bandwidth: 400 Gb/s\n",
                                   "  nic_bandwidth: 1 MB/s\n  nvlink_bandwidth: 1 MB/s\n  nvlink_latency: 1 s\n"
                                   "  nic_latency: 1 s\n  price_per_gpu_hour: $1000/h\n");
  const std::string most_tokens = with("  tokens: 1B", "  tokens: 10000T", slowest);
  for (const std::string& text : {slowest, most_tokens}) {
    const Scenario s = parse_scenario(text, "s.yaml");
    expect_finite(evaluate_run(s, at(Fidelity::kAnalytic)));
  }
  // The event engine too, where a latency of 1e300 d once stalled SimGrid ("a cycle?").
  expect_finite(evaluate_run(parse_scenario(slowest, "s.yaml"), at(Fidelity::kStage)));
}

}  // namespace
}  // namespace trainsim::sim
