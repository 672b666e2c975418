// Dependency-driven execution of a schedule (see schedule_run.h): ranks advance in sweeps; an op runs once
// every task it needs has a finish time, and its tasks all finish when the op ends.
#include "sim/schedules/schedule_run.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "sim/schedules/schedule_validator.h"
#include "sim/schedules/stage_task.h"

namespace trainsim::sim {
namespace {

class OpClock {
 public:
  OpClock(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times)
      : schedule_(schedule), stage_times_(stage_times) {}

  double duration_s(int rank, const ScheduleOp& op) const {
    const ChunkTimes& t = times(rank, op.chunk);
    const double share = schedule_.chunk_fraction();
    switch (op.phase) {
      case Phase::kForward: return t.forward_s * share;
      case Phase::kBackward: return t.backward_s * share;
      case Phase::kBackwardInput: return t.backward_input_s() * share;
      case Phase::kWeight: return t.weight_backward_s * share;
      case Phase::kForwardBackward: {
        // The forward of one chunk and the backward of another (DualPipe pairs stage r with stage pp-1-r):
        // their F and B less the time overlapping saves, half of each chunk's own saving (its F + B - F&B).
        // Exact for two alike chunks (F&B itself) and for chunks with nothing to overlap (F + B); never below
        // either chunk's compute nor above F + B.
        const ChunkTimes& b = times(rank, op.backward);
        const double saved_s = 0.5 * ((t.forward_s + t.backward_s - t.overlapped_s) + (b.forward_s + b.backward_s - b.overlapped_s));
        return (t.forward_s + b.backward_s - saved_s) * share;
      }
    }
    return 0;
  }

 private:
  const ChunkTimes& times(int rank, const ChunkRef& chunk) const {
    if (stage_times_.size() == 1) return stage_times_.front();
    return stage_times_.at(schedule_.model_stage_of(schedule_.stage_of({rank, chunk.lane})));
  }

  const PipelineSchedule& schedule_;
  const std::vector<ChunkTimes>& stage_times_;
};

// Activations in flight on one rank, walking its ops in order (counting rule in schedule_run.h).
double peak_activations(const PipelineSchedule& schedule, int rank) {
  double live = 0;
  double peak = 0;
  for (const ScheduleOp& op : schedule.ops(rank)) {
    if (op.phase == Phase::kForward || op.phase == Phase::kForwardBackward) live += schedule.chunk_fraction();
    peak = std::max(peak, live);
    if (op.phase == Phase::kBackward || op.phase == Phase::kBackwardInput || op.phase == Phase::kForwardBackward)
      live -= schedule.chunk_fraction();
  }
  return peak;
}

void time_ops(const PipelineSchedule& schedule, const OpClock& clock, double p2p_latency_s, ScheduleRun& run) {
  const TaskIndex index(schedule);
  std::vector<double> finish_s(static_cast<std::size_t>(index.size()), -1.0);
  std::vector<int> next(static_cast<std::size_t>(schedule.ranks()), 0);
  std::vector<double> free_s(static_cast<std::size_t>(schedule.ranks()), 0.0);
  for (bool moved = true; moved;) {
    moved = false;
    for (int r = 0; r < schedule.ranks(); ++r) {
      for (; next[r] < static_cast<int>(schedule.ops(r).size()); ++next[r], moved = true) {
        const ScheduleOp& op = schedule.ops(r)[next[r]];
        const auto own = tasks_of(schedule, r, op);
        double start_s = free_s[r];
        bool ready = true;
        for (const StageTask& task : own) {
          for (const StageTask& needed : prerequisites(schedule, task)) {
            if (std::find(own.begin(), own.end(), needed) != own.end()) continue;
            const double done_s = finish_s[index(needed)];
            ready = ready && done_s >= 0;
            start_s = std::max(start_s, done_s + (rank_of(schedule, needed) == r ? 0.0 : p2p_latency_s));
          }
        }
        if (!ready) break;
        free_s[r] = start_s + clock.duration_s(r, op);
        run.timings[r].push_back({start_s, free_s[r]});
        run.busy_s[r] += free_s[r] - start_s;
        for (const StageTask& task : own) finish_s[index(task)] = free_s[r];
      }
    }
  }
  for (int r = 0; r < schedule.ranks(); ++r)
    TS_CHECK(next[r] == static_cast<int>(schedule.ops(r).size()), "validated schedule stalled on rank {}", r);
}

}  // namespace

double op_duration_s(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times, int rank,
                     const ScheduleOp& op) {
  return OpClock(schedule, stage_times).duration_s(rank, op);
}

double ScheduleRun::max_peak_activations() const {
  return peak_activations.empty() ? 0 : *std::max_element(peak_activations.begin(), peak_activations.end());
}

double ScheduleRun::mean_idle_s() const {
  return idle_s.empty() ? 0 : std::accumulate(idle_s.begin(), idle_s.end(), 0.0) / static_cast<double>(idle_s.size());
}

ScheduleRun run_schedule(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                         double p2p_latency_s) {
  TS_CHECK(stage_times.size() == 1 || static_cast<int>(stage_times.size()) == schedule.pp(),
           "{} stage times for pp {}", stage_times.size(), schedule.pp());
  TS_CHECK(p2p_latency_s >= 0, "negative P2P latency {}", p2p_latency_s);
  validate_schedule(schedule);
  const auto ranks = static_cast<std::size_t>(schedule.ranks());
  ScheduleRun run;
  run.busy_s.assign(ranks, 0.0);
  run.timings.resize(ranks);
  time_ops(schedule, OpClock(schedule, stage_times), p2p_latency_s, run);
  for (std::size_t r = 0; r < ranks; ++r)
    run.makespan_s = std::max(run.makespan_s, run.timings[r].empty() ? 0.0 : run.timings[r].back().end_s);
  for (std::size_t r = 0; r < ranks; ++r) {
    run.idle_s.push_back(run.makespan_s - run.busy_s[r]);
    run.peak_activations.push_back(peak_activations(schedule, static_cast<int>(r)));
  }
  run.bubble_s = *std::max_element(run.idle_s.begin(), run.idle_s.end());
  run.bubble_ratio = run.makespan_s > 0 ? run.bubble_s / run.makespan_s : 0;
  run.parameter_copies = parameter_copies(schedule.kind());
  return run;
}

}  // namespace trainsim::sim
