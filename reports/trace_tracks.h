// Laying slices out on Chrome-trace tracks so that no two slices of one track overlap. Perfetto (and
// chrome://tracing) expect the complete ("X") events of one thread to nest; a slice that starts inside
// another and ends after it is dropped or drawn wrong. Concurrent flows of one comm stream, or two ops whose
// times were rounded apart, therefore go to separate lanes, and times are whole nanoseconds so that a slice
// ending where the next starts shares its timestamp exactly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace trainsim::reports {

struct NanosecondSpan {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
};

// Seconds to whole nanoseconds, rounded to nearest (the engine's times are doubles in seconds).
std::int64_t to_nanoseconds(double seconds);

// A lane per span such that spans on one lane are disjoint ([start, end) intervals: one may start where
// another ends). Interval partitioning by start time, each span on the lowest lane free at its start, so the
// number of lanes is the largest number of spans open at once (the fewest possible) and the result depends
// on the spans alone (ties broken by index): deterministic.
std::vector<int> assign_lanes(const std::vector<NanosecondSpan>& spans);

// A trace timestamp in microseconds with exactly three decimals, from whole nanoseconds: "1234.567".
std::string microseconds_text(std::int64_t nanoseconds);

}  // namespace trainsim::reports
