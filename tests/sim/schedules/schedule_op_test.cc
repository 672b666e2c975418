// The op notation of tests/sim/schedules/data/dualpipe-p8-n20.txt: written and read back, bad text rejected.
#include "sim/schedules/schedule_op.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace trainsim::sim {
namespace {

TEST(ScheduleOp, FormatsEveryPhase) {
  EXPECT_EQ(format_op({Phase::kForward, {3, 0}, {}}, 2), "F3a");
  EXPECT_EQ(format_op({Phase::kBackward, {12, 1}, {}}, 2), "B12b");
  EXPECT_EQ(format_op({Phase::kBackwardInput, {0, 1}, {}}, 2), "Bi0b");
  EXPECT_EQ(format_op({Phase::kWeight, {9, 0}, {}}, 2), "W9a");
  EXPECT_EQ(format_op({Phase::kForwardBackward, {7, 0}, {3, 1}}, 2), "F7a&B3b");
  EXPECT_EQ(format_op({Phase::kForward, {5, 0}, {}}, 1), "F5");
  EXPECT_EQ(format_op({Phase::kBackward, {5, 2}, {}}, 4), "B5c");
}

TEST(ScheduleOp, ParsesWhatItFormats) {
  for (const char* text : {"F3a", "B12b", "Bi0b", "W9a", "F7a&B3b"})
    EXPECT_EQ(format_op(parse_op(text, 2), 2), text);
  EXPECT_EQ(parse_op("F7a&B3b", 2), (ScheduleOp{Phase::kForwardBackward, {7, 0}, {3, 1}}));
  EXPECT_EQ(parse_op("Bi4", 1), (ScheduleOp{Phase::kBackwardInput, {4, 0}, {}}));
}

TEST(ScheduleOp, RejectsMalformedText) {
  EXPECT_THROW(parse_op("X3a", 2), Error);
  EXPECT_THROW(parse_op("F", 2), Error);
  EXPECT_THROW(parse_op("F3", 2), Error);   // lane letter missing
  EXPECT_THROW(parse_op("F3c", 2), Error);  // only lanes a and b
  EXPECT_THROW(parse_op("F3a&", 2), Error);
  EXPECT_THROW(parse_op("F3a&B", 2), Error);
  try {
    parse_op("Q1", 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'Q1'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::sim
