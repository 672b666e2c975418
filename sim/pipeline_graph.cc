// Chunk-level activity graph of a pipeline schedule (see pipeline_graph.h).
#include "sim/pipeline_graph.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "sim/schedule_run.h"
#include "sim/stage_task.h"

namespace trainsim::sim {
namespace {

std::string flow_name(const StageTask& task, int to_rank) {
  const char* kind = task.kind == TaskKind::kForward ? "F" : task.kind == TaskKind::kBackwardInput ? "Bi" : "W";
  return fmt::format("P2P {}{} s{}>r{}", kind, task.microbatch, task.stage, to_rank);
}

}  // namespace

ActivityGraph pipeline_graph(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& stage_times,
                             const PipelinePlacement& placement) {
  TS_CHECK(static_cast<int>(placement.rank_gpus.size()) == schedule.ranks(), "{} GPUs for {} ranks",
           placement.rank_gpus.size(), schedule.ranks());
  ActivityGraph graph;
  const TaskIndex index(schedule);
  std::vector<int> producer(static_cast<std::size_t>(index.size()), -1);  // task -> compute activity
  std::vector<std::vector<int>> compute(static_cast<std::size_t>(schedule.ranks()));
  for (int r = 0; r < schedule.ranks(); ++r) {
    for (const ScheduleOp& op : schedule.ops(r)) {
      const int id = graph.add_compute(placement.rank_gpus[r], op_duration_s(schedule, stage_times, r, op),
                                       {r, format_op(op, schedule.lanes()), op.chunk.microbatch});
      if (!compute[r].empty()) graph.add_dependency(compute[r].back(), id);
      compute[r].push_back(id);
      for (const StageTask& task : tasks_of(schedule, r, op)) producer[index(task)] = id;
    }
  }
  std::map<std::pair<int, int>, int> flows;  // (task, receiving rank) -> flow activity
  for (int r = 0; r < schedule.ranks(); ++r) {
    for (std::size_t k = 0; k < schedule.ops(r).size(); ++k) {
      const auto own = tasks_of(schedule, r, schedule.ops(r)[k]);
      for (const StageTask& task : own) {
        for (const StageTask& needed : prerequisites(schedule, task)) {
          if (std::find(own.begin(), own.end(), needed) != own.end()) continue;
          const int from = producer[index(needed)];
          TS_CHECK(from >= 0, "no op runs {}", describe(schedule, needed));
          const int from_rank = rank_of(schedule, needed);
          if (from_rank == r || placement.rank_gpus[from_rank] == placement.rank_gpus[r]) {
            graph.add_dependency(from, compute[r][k]);
            continue;
          }
          auto [it, fresh] = flows.try_emplace({index(needed), r}, -1);
          if (fresh) {
            it->second = graph.add_flow(placement.rank_gpus[from_rank], placement.rank_gpus[r],
                                        placement.activation_bytes,
                                        {from_rank, flow_name(needed, r), needed.microbatch});
            graph.add_dependency(from, it->second);
          }
          graph.add_dependency(it->second, compute[r][k]);
        }
      }
    }
  }
  return graph;
}

}  // namespace trainsim::sim
