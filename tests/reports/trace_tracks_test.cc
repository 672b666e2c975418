// Lanes: spans on one lane never overlap, and there are no more lanes than spans open at once.
#include "reports/trace_tracks.h"

#include <gtest/gtest.h>

namespace trainsim::reports {
namespace {

TEST(TraceTracks, ConcurrentSpansGoToSeparateLanesAndLanesAreReused) {
  // [0,10) and [5,15) overlap; [10,20) starts where the first ends, so it reuses lane 0; [12,13) is open
  // while [5,15) and [10,20) are: it needs a third lane only if neither is free (lane 1 holds [5,15)).
  const std::vector<NanosecondSpan> spans{{0, 10}, {5, 15}, {10, 20}, {12, 13}, {15, 16}};
  EXPECT_EQ(assign_lanes(spans), (std::vector<int>{0, 1, 0, 2, 1}));
}

TEST(TraceTracks, LaneCountIsTheLargestNumberOfOpenSpans) {
  // Four spans all open at t = 3, in an order that is not by start.
  const std::vector<NanosecondSpan> spans{{3, 9}, {0, 4}, {1, 5}, {2, 6}, {9, 12}};
  const std::vector<int> lanes = assign_lanes(spans);
  EXPECT_EQ(*std::max_element(lanes.begin(), lanes.end()), 3);
  EXPECT_EQ(lanes[4], 0);  // at t = 9 every lane is free again: the lowest is taken
}

TEST(TraceTracks, TimestampsAreWholeNanosecondsInMicroseconds) {
  EXPECT_EQ(microseconds_text(1'234'567), "1234.567");
  EXPECT_EQ(microseconds_text(5), "0.005");
  EXPECT_EQ(microseconds_text(0), "0.000");
  EXPECT_EQ(microseconds_text(-1'500), "-1.500");
  EXPECT_EQ(to_nanoseconds(2.5e-3), 2'500'000);
  EXPECT_EQ(to_nanoseconds(0.4e-9), 0);  // rounded to nearest
  EXPECT_EQ(to_nanoseconds(0.6e-9), 1);
}

}  // namespace
}  // namespace trainsim::reports
