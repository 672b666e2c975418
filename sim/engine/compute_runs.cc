// Which compute ops run as one execution, and where each ends inside it (see compute_runs.h).
#include "sim/engine/compute_runs.h"

#include "core/error.h"

namespace trainsim::sim {

ComputeRuns compute_runs(const ActivityGraph& graph, int gpu_count) {
  const std::vector<Activity>& activities = graph.activities();
  const std::size_t n = activities.size();
  ComputeRuns runs;
  runs.heads_by_gpu.resize(static_cast<std::size_t>(gpu_count));
  runs.next_in_run.assign(n, -1);
  runs.inside_run.assign(n, false);
  // The op before each compute op on its GPU's stream.
  std::vector<int> before_on_gpu(n, -1), last_on_gpu(static_cast<std::size_t>(gpu_count), -1);
  for (std::size_t i = 0; i < n; ++i) {
    const Activity& a = activities[i];
    if (a.stream != Stream::kCompute) continue;
    TS_CHECK(a.gpu >= 0 && a.gpu < gpu_count, "compute op {} on GPU {} of {}", i, a.gpu, gpu_count);
    int& last = last_on_gpu[static_cast<std::size_t>(a.gpu)];
    before_on_gpu[i] = last;
    last = static_cast<int>(i);
  }
  // Predecessors other than the op before on the stream, and whether an op has a successor other than the next.
  std::vector<int> other_predecessors(n, 0);
  std::vector<bool> waited_for_elsewhere(n, false);
  for (std::size_t i = 0; i < n; ++i)
    for (int next : activities[i].successors) {
      if (before_on_gpu[static_cast<std::size_t>(next)] == static_cast<int>(i)) continue;
      ++other_predecessors[static_cast<std::size_t>(next)];
      waited_for_elsewhere[i] = true;
    }
  for (std::size_t i = 0; i < n; ++i) {
    if (activities[i].stream != Stream::kCompute) continue;
    const int before = before_on_gpu[i];
    if (before >= 0 && other_predecessors[i] == 0 && !waited_for_elsewhere[static_cast<std::size_t>(before)]) {
      runs.next_in_run[static_cast<std::size_t>(before)] = static_cast<int>(i);
      runs.inside_run[i] = true;
    } else {
      runs.heads_by_gpu[static_cast<std::size_t>(activities[i].gpu)].push_back(static_cast<int>(i));
    }
  }
  return runs;
}

std::vector<double> op_ends_in_run_s(const std::vector<double>& durations_s, double start_s, double start_speed,
                                     const std::vector<SpeedChange>& changes) {
  TS_CHECK(start_speed > 0, "relative speed {}", start_speed);
  std::vector<double> ends;
  ends.reserve(durations_s.size());
  double now_s = start_s, speed = start_speed;
  std::size_t next = 0;
  while (next < changes.size() && changes[next].at_s < start_s) ++next;  // start_speed already says what they did
  for (double work_s : durations_s) {
    // Whole segments between changes until the op's work fits before the next change.
    while (next < changes.size() && now_s + work_s / speed > changes[next].at_s) {
      work_s -= (changes[next].at_s - now_s) * speed;
      now_s = changes[next].at_s;
      speed = changes[next++].relative_speed;
      TS_CHECK(speed > 0, "relative speed {}", speed);
    }
    now_s += work_s / speed;
    ends.push_back(now_s);
  }
  return ends;
}

}  // namespace trainsim::sim
