// Dependency-driven execution of a schedule (see schedule_run.h): ops in an order that puts each after the
// ops it needs (schedule_dependencies.h); an op's tasks all finish when the op ends.
#include "sim/schedules/schedule_run.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace trainsim::sim {
namespace {

// The time an op of `phase` takes on chunks priced `t` (and `b`, the chunk whose backward an F&B runs), each a
// `share` of a model stage.
double chunk_op_duration_s(Phase phase, const ChunkTimes& t, const ChunkTimes& b, double share) {
  switch (phase) {
    case Phase::kForward: return t.forward_s * share;
    case Phase::kBackward: return t.backward_s * share;
    case Phase::kBackwardInput: return t.backward_input_s() * share;
    case Phase::kWeight: return t.weight_backward_s * share;
    case Phase::kForwardBackward: {
      // The forward of one chunk and the backward of another (DualPipe pairs stage r with stage pp-1-r,
      // interleaved one virtual stage with another of the same rank):
      // their F and B less the time overlapping saves, half of each chunk's own saving (its F + B - F&B).
      // Exact for two alike chunks (F&B itself) and for chunks with nothing to overlap (F + B); never below
      // either chunk's compute nor above F + B.
      const double saved_s = 0.5 * ((t.forward_s + t.backward_s - t.overlapped_s) + (b.forward_s + b.backward_s - b.overlapped_s));
      return (t.forward_s + b.backward_s - saved_s) * share;
    }
  }
  return 0;
}

// The chunk times of a model stage: one entry for all, or one per stage.
const ChunkTimes& stage_times_of(const std::vector<ChunkTimes>& stage_times, int model_stage) {
  return stage_times.size() == 1 ? stage_times.front() : stage_times.at(static_cast<std::size_t>(model_stage));
}

// One pass in dependency order: an op starts when its rank is free and every op it needs has ended (plus the
// P2P latency from another rank); its rank is then busy until it ends.
void time_ops(const PipelineSchedule& schedule, const ScheduleDependencies& dependencies,
              const std::vector<ChunkTimes>& stage_times, double p2p_latency_s, ScheduleRun& run) {
  std::vector<double> end_s(static_cast<std::size_t>(dependencies.op_count()), 0.0);
  std::vector<double> free_s(static_cast<std::size_t>(schedule.ranks()), 0.0);
  const double share = schedule.chunk_fraction();
  for (const int op : dependencies.order()) {
    const int r = dependencies.rank_of_op(op);
    double start_s = free_s[static_cast<std::size_t>(r)];
    for (auto n = dependencies.needed_begin(op); n != dependencies.needed_end(op); ++n)
      start_s = std::max(start_s, end_s[static_cast<std::size_t>(n->op)] + (n->other_rank ? p2p_latency_s : 0.0));
    const Phase phase = schedule.ops(r)[static_cast<std::size_t>(op - dependencies.first_op(r))].phase;
    const double finish_s = start_s + chunk_op_duration_s(phase, stage_times_of(stage_times, dependencies.model_stage(op)),
                                                          stage_times_of(stage_times, dependencies.backward_model_stage(op)), share);
    end_s[static_cast<std::size_t>(op)] = finish_s;
    free_s[static_cast<std::size_t>(r)] = finish_s;
    run.timings[static_cast<std::size_t>(r)].push_back({start_s, finish_s});
    run.busy_s[static_cast<std::size_t>(r)] += finish_s - start_s;
  }
}

}  // namespace

double op_duration_s(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times, int rank,
                     const ScheduleOp& op) {
  const auto model_stage = [&](const ChunkRef& chunk) { return schedule.model_stage_of(schedule.stage_of({rank, chunk.lane})); };
  const ChunkTimes& t = stage_times_of(stage_times, model_stage(op.chunk));
  return chunk_op_duration_s(op.phase, t, op.phase == Phase::kForwardBackward ? stage_times_of(stage_times, model_stage(op.backward)) : t,
                             schedule.chunk_fraction());
}

double ScheduleRun::max_peak_activations() const {
  return peak_activations.empty() ? 0 : *std::max_element(peak_activations.begin(), peak_activations.end());
}

double ScheduleRun::mean_idle_s() const {
  return idle_s.empty() ? 0 : std::accumulate(idle_s.begin(), idle_s.end(), 0.0) / static_cast<double>(idle_s.size());
}

ScheduleRun run_schedule(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                         double p2p_latency_s) {
  return run_schedule(schedule, ScheduleDependencies(schedule), stage_times, p2p_latency_s);  // validates
}

ScheduleRun run_schedule(const PipelineSchedule& schedule, const ScheduleDependencies& dependencies,
                         const std::vector<ChunkTimes>& stage_times, double p2p_latency_s) {
  TS_CHECK(stage_times.size() == 1 || static_cast<int>(stage_times.size()) == schedule.pp(),
           "{} stage times for pp {}", stage_times.size(), schedule.pp());
  TS_CHECK(p2p_latency_s >= 0, "negative P2P latency {}", p2p_latency_s);
  TS_CHECK(dependencies.op_count() == schedule.op_count(), "dependencies of another schedule ({} ops for {})",
           dependencies.op_count(), schedule.op_count());
  const auto ranks = static_cast<std::size_t>(schedule.ranks());
  ScheduleRun run;
  run.busy_s.assign(ranks, 0.0);
  run.timings.resize(ranks);
  for (std::size_t r = 0; r < ranks; ++r) run.timings[r].reserve(schedule.ops(static_cast<int>(r)).size());
  time_ops(schedule, dependencies, stage_times, p2p_latency_s, run);
  for (std::size_t r = 0; r < ranks; ++r)
    run.makespan_s = std::max(run.makespan_s, run.timings[r].empty() ? 0.0 : run.timings[r].back().end_s);
  for (std::size_t r = 0; r < ranks; ++r) {
    run.idle_s.push_back(run.makespan_s - run.busy_s[r]);
    run.peak_activations.push_back(dependencies.peak_activations(static_cast<int>(r)));
  }
  run.bubble_s = *std::max_element(run.idle_s.begin(), run.idle_s.end());
  run.bubble_ratio = run.makespan_s > 0 ? run.bubble_s / run.makespan_s : 0;
  run.parameter_copies = parameter_copies(schedule.kind());
  return run;
}

}  // namespace trainsim::sim
