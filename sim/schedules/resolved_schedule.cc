// The store of resolved schedules (see resolved_schedule.h).
#include "sim/schedules/resolved_schedule.h"

#include <deque>
#include <map>
#include <mutex>
#include <tuple>

namespace trainsim::sim {

std::shared_ptr<const ResolvedSchedule> resolved_schedule(const ScheduleRequest& request) {
  // Bounded so a long search cannot hold every schedule it met: 64 entries cover the distinct requests of a
  // plan's pruned layouts at one batch, or a run's ramp batches, many times over; a DeepSeek-V3-sized schedule
  // (16 ranks, 480 micro-batches) is about 1 MB with its dependencies.
  constexpr std::size_t kKept = 64;
  using Key = std::tuple<int, int, int, int, bool>;  // every field of the request the schedule depends on
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<const ResolvedSchedule>> store;
  static std::deque<Key> arrival;
  const Key key{static_cast<int>(request.kind), request.pp, request.microbatches,
                request.kind == ScheduleKind::kInterleaved ? request.virtual_stages : 0, request.paired};
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = store.find(key); it != store.end()) return it->second;
  }
  auto resolved = std::make_shared<const ResolvedSchedule>(make_schedule(request));  // outside the lock: slow
  const std::lock_guard<std::mutex> lock(mutex);
  if (auto [it, added] = store.emplace(key, resolved); !added) return it->second;
  arrival.push_back(key);
  if (arrival.size() > kKept) {
    store.erase(arrival.front());
    arrival.pop_front();
  }
  return resolved;
}

}  // namespace trainsim::sim
