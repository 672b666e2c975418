// DualPipe (8 ranks, 20 micro-batches) reproduces the reference op order op for op; DualPipeV (4 ranks,
// 10 micro-batches) reproduces its ranks 0-3 (tests/sim/schedules/data/dualpipe-p8-n20.txt, from deepseek-ai/DualPipe;
// docs/sources.md#dualpipe-reference-order).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/schedules/dualpipe_schedule.h"
#include "sim/schedules/schedule_validator.h"

namespace trainsim::sim {
namespace {

// The reference file's "rank N: op op ..." lines, one vector of ops per rank.
std::vector<std::vector<std::string>> reference_order() {
  std::ifstream in(std::string(TRAINSIM_SIM_TEST_DATA) + "/dualpipe-p8-n20.txt");
  EXPECT_TRUE(in.good()) << "reference file missing";
  std::vector<std::vector<std::string>> ranks;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("rank ")) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    ranks.emplace_back();
    for (std::string op; words >> op;) ranks.back().push_back(op);
  }
  return ranks;
}

std::vector<std::string> generated_order(const PipelineSchedule& schedule, int rank) {
  std::vector<std::string> ops;
  for (const ScheduleOp& op : schedule.ops(rank)) ops.push_back(format_op(op, schedule.lanes()));
  return ops;
}

TEST(DualPipeSchedule, ReproducesTheReferenceForEightRanksAndTwentyMicrobatches) {
  const auto reference = reference_order();
  ASSERT_EQ(reference.size(), 8u);
  const PipelineSchedule schedule = dualpipe_schedule(8, 20);
  ASSERT_EQ(schedule.ranks(), 8);
  for (int r = 0; r < 8; ++r) EXPECT_EQ(generated_order(schedule, r), reference[r]) << "rank " << r;
  // The text form reads back as the same ops.
  std::istringstream lines(schedule.order_text());
  std::string line;
  std::getline(lines, line);
  EXPECT_TRUE(line.starts_with("rank 0: F0a F1a F2a F3a F4a F5a F6a F0b Bi0b W0b")) << line;
}

TEST(DualPipeSchedule, DualPipeVOnFourRanksIsTheFirstHalfOfTheReference) {
  const auto reference = reference_order();
  const PipelineSchedule schedule = dualpipev_schedule(8, 10);
  ASSERT_EQ(schedule.ranks(), 4);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(generated_order(schedule, r), reference[r]) << "rank " << r;
}

TEST(DualPipeSchedule, MiddleRanksRunTheirFirstPairUnoverlapped) {
  const PipelineSchedule schedule = dualpipe_schedule(8, 20);
  for (int r : {3, 4}) {
    const auto ops = generated_order(schedule, r);
    const auto first_pair = std::find_if(ops.begin(), ops.end(), [](const std::string& op) {
      return op.find('&') != std::string::npos;
    });
    ASSERT_NE(first_pair, ops.begin());
    EXPECT_EQ(*(first_pair - 1), r == 3 ? "B0b" : "B0a");
    EXPECT_EQ(*(first_pair - 2), r == 3 ? "F4a" : "F4b");
  }
}

TEST(DualPipeSchedule, EveryShapeIsValid) {
  for (int pp : {2, 4, 6, 8, 16, 32})
    for (int m : {2 * pp, 2 * pp + 2, 3 * pp, 4 * pp + 6}) {
      EXPECT_EQ(first_violation(dualpipe_schedule(pp, m)), std::nullopt) << "dualpipe pp " << pp << " m " << m;
      EXPECT_EQ(first_violation(dualpipev_schedule(pp, m)), std::nullopt) << "dualpipev pp " << pp << " m " << m;
      EXPECT_EQ(first_violation(dualpipev_schedule(pp, pp + 1)), std::nullopt) << "dualpipev pp " << pp;
    }
}

}  // namespace
}  // namespace trainsim::sim
