// The activity graph of a pipeline schedule (see pipeline_graph.h).
#include "sim/step/pipeline_graph.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "sim/step/work_tag.h"

namespace trainsim::sim {
namespace {

std::string flow_name(const StageTask& task, int to_rank) {
  const char* kind = task.kind == TaskKind::kForward ? "F" : task.kind == TaskKind::kBackwardInput ? "Bi" : "W";
  return fmt::format("P2P {}{} s{}>r{}", kind, task.microbatch, task.stage, to_rank);
}

}  // namespace

PipelineGraph pipeline_graph(const PipelineSchedule& schedule, OpExpansion& expansion,
                             const PipelinePlacement& placement, ActivityGraph graph) {
  const int ranks = schedule.ranks();
  TS_CHECK(static_cast<int>(placement.rank_gpus.size()) == ranks, "GPUs for {} ranks, expected {}",
           placement.rank_gpus.size(), ranks);
  const std::size_t members = placement.rank_gpus.front().size();
  for (const auto& gpus : placement.rank_gpus) TS_CHECK(gpus.size() == members && members > 0, "uneven ranks");
  const TaskIndex index(schedule);
  std::vector<std::vector<TaskSpan>> span(static_cast<std::size_t>(index.size()));  // task -> [member]
  PipelineGraph out;
  out.last_compute.assign(static_cast<std::size_t>(ranks), std::vector<int>(members, -1));
  std::vector<std::vector<std::vector<StageTask>>> op_tasks(static_cast<std::size_t>(ranks));
  std::vector<std::vector<ExpandedOp>> expanded(static_cast<std::size_t>(ranks));
  std::vector<std::size_t> op_of_task(static_cast<std::size_t>(index.size()));  // task -> its op's index on its rank
  for (int r = 0; r < ranks; ++r) {
    for (const ScheduleOp& op : schedule.ops(r)) {
      std::vector<StageTask> tasks = tasks_of(schedule, r, op);
      ExpandedOp e = expansion.expand(graph, r, op, tasks);
      TS_CHECK(e.tasks.size() == members && e.compute.size() == members, "expansion of {} members", members);
      for (std::size_t j = 0; j < members; ++j) {
        int& last = out.last_compute[r][j];
        if (last >= 0 && e.compute[j].first >= 0) graph.add_dependency(last, e.compute[j].first);
        if (e.compute[j].last >= 0) last = e.compute[j].last;
      }
      for (std::size_t t = 0; t < tasks.size(); ++t) {
        auto& s = span[index(tasks[t])];
        for (std::size_t j = 0; j < members; ++j) s.push_back(e.tasks[j][t]);
        op_of_task[index(tasks[t])] = op_tasks[r].size();
      }
      op_tasks[r].push_back(std::move(tasks));
      expanded[r].push_back(std::move(e));
    }
  }
  // The first compute activity after op k of rank r on member j, -1 if none: what a blocking send holds back.
  auto next_compute = [&](int r, std::size_t k, std::size_t j) {
    for (std::size_t next = k + 1; next < expanded[r].size(); ++next)
      if (expanded[r][next].compute[j].first >= 0) return expanded[r][next].compute[j].first;
    return -1;
  };
  const auto gather_peer = [&](int r, std::size_t j) {
    return placement.gather_bytes > 0 && !placement.gather_peers.empty() ? placement.gather_peers[r][j] : -1;
  };
  std::map<std::pair<int, int>, std::vector<int>> flows;  // (task, receiving rank) -> what the consumer waits for, per member
  for (int r = 0; r < ranks; ++r) {
    for (std::size_t k = 0; k < op_tasks[r].size(); ++k) {
      const auto& own = op_tasks[r][k];
      for (std::size_t t = 0; t < own.size(); ++t) {
        for (const StageTask& needed : prerequisites(schedule, own[t])) {
          if (std::find(own.begin(), own.end(), needed) != own.end()) continue;
          const auto& from = span[index(needed)];
          TS_CHECK(!from.empty(), "no op runs {}", describe(schedule, needed));
          const int from_rank = rank_of(schedule, needed);
          for (std::size_t j = 0; j < members; ++j) {
            const int consumer = expanded[r][k].tasks[j][t].first;
            const int src_gpu = placement.rank_gpus[from_rank][j], dst_gpu = placement.rank_gpus[r][j];
            if (src_gpu == dst_gpu) {
              graph.add_dependency(from[j].last, consumer);
              continue;
            }
            auto [it, fresh] = flows.try_emplace({index(needed), r});
            if (fresh) {
              const int name = graph.intern(flow_name(needed, r));
              const std::size_t producer = op_of_task[index(needed)];
              for (std::size_t m = 0; m < members; ++m) {
                const int flow = graph.add_flow(placement.rank_gpus[from_rank][m], placement.rank_gpus[r][m],
                                                placement.activation_bytes,
                                                {timeline_rank(from_rank, static_cast<int>(m), static_cast<int>(members)),
                                                 name, needed.microbatch, WorkTags::kPp});
                graph.add_dependency(from[m].last, flow);
                if (placement.blocking_sends) {
                  const int held = next_compute(from_rank, producer, m);
                  if (held >= 0) graph.add_dependency(flow, held);
                }
                int arrived = flow;
                if (const int peer = gather_peer(r, m); peer >= 0) {
                  arrived = graph.add_flow(peer, placement.rank_gpus[r][m], placement.gather_bytes,
                                           {timeline_rank(r, static_cast<int>(m), static_cast<int>(members)),
                                            graph.intern(flow_name(needed, r) + " gather"), needed.microbatch,
                                            WorkTags::kPp});
                  graph.add_dependency(flow, arrived);
                }
                it->second.push_back(arrived);
              }
            }
            graph.add_dependency(it->second[j], consumer);
          }
        }
      }
    }
  }
  out.graph = std::move(graph);
  return out;
}

}  // namespace trainsim::sim
