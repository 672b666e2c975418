// Runs every schedule kind on one request and sets each beside its published formula.
#include "sim/schedules/schedule_comparison.h"

#include <algorithm>

#include "core/error.h"
#include "sim/schedules/bubble_formula.h"

namespace trainsim::sim {

ChunkTimes mean_chunk_times(const std::vector<ChunkTimes>& stage_times) {
  TS_CHECK(!stage_times.empty(), "no chunk times");
  ChunkTimes mean{0, 0, 0, 0};
  for (const ChunkTimes& t : stage_times) {
    mean.forward_s += t.forward_s;
    mean.backward_s += t.backward_s;
    mean.weight_backward_s += t.weight_backward_s;
    mean.overlapped_s += t.overlapped_s;
  }
  const auto n = static_cast<double>(stage_times.size());
  return {mean.forward_s / n, mean.backward_s / n, mean.weight_backward_s / n, mean.overlapped_s / n};
}

bool uniform_chunk_times(const std::vector<ChunkTimes>& stage_times) {
  const ChunkTimes& first = stage_times.front();
  return std::all_of(stage_times.begin(), stage_times.end(), [&](const ChunkTimes& t) {
    return t.forward_s == first.forward_s && t.backward_s == first.backward_s &&
           t.weight_backward_s == first.weight_backward_s && t.overlapped_s == first.overlapped_s;
  });
}

std::vector<ScheduleComparison> compare_schedules(int pp, int microbatches, int virtual_stages,
                                                  const std::vector<ChunkTimes>& stage_times, double p2p_latency_s) {
  const ChunkTimes mean = mean_chunk_times(stage_times);
  const bool uniform = uniform_chunk_times(stage_times);
  std::vector<ScheduleComparison> rows;
  for (ScheduleKind kind : kAllScheduleKinds) {
    ScheduleComparison row;
    row.request = {kind, pp, microbatches, virtual_stages};
    row.devices = devices_for_stages(kind, pp);
    row.published_bubble_s = published_bubble_s(kind, mean, pp, virtual_stages);
    try {
      row.schedule = make_schedule(row.request);
    } catch (const ConfigError& e) {
      row.unavailable = e.problem();
      rows.push_back(std::move(row));
      continue;
    }
    row.run = run_schedule(*row.schedule, stage_times, p2p_latency_s);
    row.published_is_exact = uniform && p2p_latency_s == 0 && published_bubble_is_exact(kind, mean);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace trainsim::sim
