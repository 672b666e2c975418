// Lane assignment for trace tracks (trace_tracks.h): greedy interval partitioning, optimal for intervals.
#include "reports/trace_tracks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <queue>
#include <set>
#include <utility>

namespace trainsim::reports {

std::int64_t to_nanoseconds(double seconds) { return std::llround(seconds * 1e9); }

std::vector<int> assign_lanes(const std::vector<NanosecondSpan>& spans) {
  std::vector<std::size_t> order(spans.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return spans[a].start_ns < spans[b].start_ns; });
  using Busy = std::pair<std::int64_t, int>;  // (end_ns, lane) of a lane in use
  std::priority_queue<Busy, std::vector<Busy>, std::greater<>> busy;
  std::set<int> free_lanes;
  int lane_count = 0;
  std::vector<int> lanes(spans.size(), 0);
  for (std::size_t i : order) {
    while (!busy.empty() && busy.top().first <= spans[i].start_ns) {
      free_lanes.insert(busy.top().second);
      busy.pop();
    }
    int lane = lane_count;
    if (free_lanes.empty()) {
      ++lane_count;
    } else {
      lane = *free_lanes.begin();
      free_lanes.erase(free_lanes.begin());
    }
    lanes[i] = lane;
    busy.emplace(std::max(spans[i].end_ns, spans[i].start_ns), lane);
  }
  return lanes;
}

std::string microseconds_text(std::int64_t nanoseconds) {
  const char* sign = nanoseconds < 0 ? "-" : "";
  const std::uint64_t magnitude = nanoseconds < 0 ? static_cast<std::uint64_t>(-(nanoseconds + 1)) + 1
                                                  : static_cast<std::uint64_t>(nanoseconds);
  return fmt::format("{}{}.{:03}", sign, magnitude / 1000, magnitude % 1000);
}

}  // namespace trainsim::reports
