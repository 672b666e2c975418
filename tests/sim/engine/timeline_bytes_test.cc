// A timeline crosses from the engine's child process as bytes: every field comes back as it was, and bytes
// cut short are refused rather than read past.
#include "sim/engine/timeline_bytes.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace trainsim::sim {
namespace {

Timeline sample() {
  Timeline t;
  t.names = {"F L0 attention", "", "dispatch"};
  t.rank_names = {"device 0 GPU 0", "device 1 GPU 8"};
  t.tag_names = {"join", "ep", "attention"};
  TimelineEvent a;
  a.rank = 1;
  a.stream = Stream::kComm;
  a.tag = 1;
  a.name = 2;
  a.microbatch = 7;
  a.start_s = 0.125;
  a.end_s = 0.5;
  t.events = {a, TimelineEvent{}};
  t.makespan_s = 0.5;
  return t;
}

TEST(TimelineBytes, RoundTripKeepsEveryField) {
  const Timeline t = sample();
  const Timeline back = timeline_from_bytes(timeline_to_bytes(t));
  EXPECT_EQ(back.names, t.names);
  EXPECT_EQ(back.rank_names, t.rank_names);
  EXPECT_EQ(back.tag_names, t.tag_names);
  EXPECT_EQ(back.makespan_s, t.makespan_s);
  ASSERT_EQ(back.events.size(), t.events.size());
  const TimelineEvent& e = back.events.front();
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.stream, Stream::kComm);
  EXPECT_EQ(e.tag, 1);
  EXPECT_EQ(e.name, 2);
  EXPECT_EQ(e.microbatch, 7);
  EXPECT_EQ(e.start_s, 0.125);
  EXPECT_EQ(e.end_s, 0.5);
}

// A makespan-only job's timeline (EngineOptions::makespan_only) has no events at all.
TEST(TimelineBytes, ATimelineWithoutEventsRoundTrips) {
  Timeline t = sample();
  t.events.clear();
  const Timeline back = timeline_from_bytes(timeline_to_bytes(t));
  EXPECT_TRUE(back.events.empty());
  EXPECT_EQ(back.makespan_s, 0.5);
  EXPECT_EQ(back.names, t.names);
}

TEST(TimelineBytes, TruncatedBytesAreRefused) {
  const std::string bytes = timeline_to_bytes(sample());
  EXPECT_THROW(timeline_from_bytes(std::string_view(bytes).substr(0, bytes.size() - 1)), trainsim::Error);
  EXPECT_THROW(timeline_from_bytes(bytes + "x"), trainsim::Error);
}

}  // namespace
}  // namespace trainsim::sim
