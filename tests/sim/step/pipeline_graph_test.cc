// A pipeline schedule's activity graph on the engine against the ideal executor: with communication free,
// every schedule's op times and makespan to 1e-9 relative (both are exact event arithmetic); with P2P latency
// alone, the executor's latency rule. Each simulation in a child (one SimGrid run per process).
#include "sim/step/pipeline_graph.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/child_process.h"
#include "tests/sim/engine/test_cluster.h"
#include "hardware/topology_builder.h"
#include "sim/engine/engine.h"
#include "sim/schedules/schedule_request.h"
#include "sim/schedules/schedule_run.h"
#include "tests/sim/step/chunk_expansion.h"

namespace trainsim::sim {
namespace {

using testing::cluster;

// Every compute op's start and end in rank-major schedule order (the executor's order), then the makespan.
std::vector<double> simulate_pipeline(const PipelineSchedule& schedule, const std::vector<ChunkTimes>& times,
                                      double nic_latency_s) {
  const hw::Topology topology = cluster(schedule.ranks(), nic_latency_s);
  PipelinePlacement placement;
  for (int r = 0; r < schedule.ranks(); ++r) placement.rank_gpus.push_back({r * topology.gpus_per_node()});
  const Timeline timeline = run_engine(pipeline_graph(schedule, times, placement), topology);
  std::vector<double> out;
  for (const TimelineEvent& e : timeline.events) {
    if (e.stream != Stream::kCompute) continue;
    out.push_back(e.start_s);
    out.push_back(e.end_s);
  }
  out.push_back(timeline.makespan_s);
  return out;
}

void expect_engine_matches_executor(const ScheduleRequest& request, const std::vector<ChunkTimes>& times,
                                    double nic_latency_s = 0) {
  const PipelineSchedule schedule = make_schedule(request);
  // NOTE: a route between two nodes' NICs on one leaf crosses two NIC links: twice their latency.
  const ScheduleRun ideal = run_schedule(schedule, times, 2 * nic_latency_s);
  const std::vector<double> got = run_in_child([&] { return simulate_pipeline(schedule, times, nic_latency_s); });
  const std::string what = fmt::format("{} pp {} m {} v {}", schedule_name(request.kind), request.pp,
                                       request.microbatches, request.virtual_stages);
  ASSERT_EQ(got.size(), 2 * static_cast<std::size_t>(schedule.op_count()) + 1) << what;
  EXPECT_NEAR(got.back(), ideal.makespan_s, 1e-9 * ideal.makespan_s) << what;
  std::size_t i = 0;
  for (const auto& rank : ideal.timings)
    for (const OpTiming& t : rank) {
      EXPECT_NEAR(got[i++], t.start_s, 1e-9 * ideal.makespan_s) << what;
      EXPECT_NEAR(got[i++], t.end_s, 1e-9 * ideal.makespan_s) << what;
    }
}

const std::vector<ChunkTimes> kTimes{{1.0, 2.0, 1.0, 3.0}};
const std::vector<ChunkTimes> kOddTimes{{0.37, 0.81, 0.29, 1.013}};

TEST(PipelineGraph, ZeroCommunicationReproducesExecutorForEverySchedule) {
  for (ScheduleKind kind : kAllScheduleKinds)
    for (auto [pp, m] : {std::pair{4, 8}, std::pair{8, 24}})
      for (const auto& times : {kTimes, kOddTimes}) expect_engine_matches_executor({kind, pp, m, 2}, times);
}

TEST(PipelineGraph, ZeroCommunicationWithPerStageTimesAndMoreVirtualStages) {
  std::vector<ChunkTimes> stages;
  for (int s = 0; s < 6; ++s) stages.push_back({0.5 + 0.1 * s, 1.1 + 0.05 * s, 0.4 + 0.03 * s, 1.45 + 0.1 * s});
  for (ScheduleKind kind : kAllScheduleKinds) expect_engine_matches_executor({kind, 6, 12, 3}, stages);
}

TEST(PipelineGraph, PointToPointLatencyFollowsExecutorLatencyRule) {
  for (ScheduleKind kind : kAllScheduleKinds) expect_engine_matches_executor({kind, 4, 8, 2}, kOddTimes, 2.5e-3);
}

}  // namespace
}  // namespace trainsim::sim
