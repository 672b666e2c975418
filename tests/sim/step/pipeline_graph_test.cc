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

// Blocking sends by hand: 1F1B on 2 stages, 2 micro-batches, F = 1 s, B = 2 s; each send takes lambda over
// the NICs, each scatter-gather all-gather gamma over NVLink (lone flows: bytes / bandwidth, no latency).
//   overlapped: rank 0 runs F0 F1 B0 B1, rank 1 F0 B0 F1 B1; B1 on rank 0 waits for rank 1's B1 (ends 7 + l)
//               and its gradient's send: makespan 9 + 2 l.
//   blocking:   rank 1's F1 also waits for its B0 gradient's send, one more l on the critical path: 9 + 3 l.
//   with the gather, each of the three arrivals on that path (F0 at rank 1, the B0 and B1 gradients at rank 0)
//   waits for it too: 9 + 3 l + 3 g, less the F1 input's gather, which rank 1's B0 hides: 9 + 3 l + 2 g.
double two_stage_makespan(bool blocking, double send_bytes, double gather_bytes) {
  const PipelineSchedule schedule = make_schedule({ScheduleKind::kOneFOneB, 2, 2, 1});
  const hw::Topology topology = cluster(schedule.ranks());
  PipelinePlacement placement;
  for (int r = 0; r < schedule.ranks(); ++r) placement.rank_gpus.push_back({r * topology.gpus_per_node()});
  placement.activation_bytes = send_bytes;
  placement.blocking_sends = blocking;
  placement.gather_bytes = gather_bytes;
  for (int r = 0; r < schedule.ranks(); ++r) placement.gather_peers.push_back({r * topology.gpus_per_node() + 1});
  const std::vector<ChunkTimes> times{{1.0, 2.0, 1.0, 3.0}};
  return run_in_child([&] {
    return std::vector<double>{run_engine(pipeline_graph(schedule, times, placement), topology).makespan_s};
  }).at(0);
}

TEST(PipelineGraph, BlockingSendsHoldTheSendersNextOpByHand) {
  const double nic = 50e9, nvlink = 160e9;  // test_cluster.h's H800 node links
  const double send_bytes = 50e6, lambda = send_bytes / nic;  // 1 ms
  EXPECT_NEAR(two_stage_makespan(false, send_bytes, 0), 9 + 2 * lambda, 1e-9);
  EXPECT_NEAR(two_stage_makespan(true, send_bytes, 0), 9 + 3 * lambda, 1e-9);
  const double gather_bytes = 80e6, gamma = gather_bytes / nvlink;  // 0.5 ms
  EXPECT_NEAR(two_stage_makespan(true, send_bytes, gather_bytes), 9 + 3 * lambda + 2 * gamma, 1e-9);
  // Free sends hold nothing: blocking then changes no op's time.
  EXPECT_NEAR(two_stage_makespan(true, 0, 0), 9, 1e-9);
}

}  // namespace
}  // namespace trainsim::sim
