// The step graph: stage ops add up to the priced op catalog; with communication off, the layer-level
// expansion reproduces the ideal executor; merged all-to-all flows take the time of the node-limited
// pattern's flows. Each simulation in a child.
#include "sim/step_graph.h"

#include <gtest/gtest.h>

#include "core/child_process.h"
#include "hardware/topology_builder.h"
#include "sim/all_to_all.h"
#include "sim/data_parallel.h"
#include "sim/replica_gpus.h"
#include "sim/scenario_loader.h"
#include "sim/schedule_request.h"
#include "sim/schedule_run.h"
#include "sim/stage_ops.h"
#include "sim/layout_rules.h"

namespace trainsim::sim {
namespace {

Scenario deepseek() { return load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml"); }

TEST(StageOps, AddUpToThePricedCatalog) {
  const Scenario s = deepseek();
  const StagePlan plan = plan_stages(s, PlacementCosts{});
  const hw::RooflineOpTimeModel model(s.cluster.gpu, hw::RooflineEfficiencies{});
  const PricedModel priced = price_model(s, model);
  for (const Stage& stage : {plan.stages.front(), plan.stages.back()}) {
    const StageOps ops = stage_ops(stage, s, model);
    const LayerTiming t = stage_totals(stage, priced, s.job.model).timing;
    EXPECT_NEAR(ops.compute_s(ops.forward), t.forward_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.backward_input), t.backward_input_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.weight), t.weight_backward_s, 1e-12);
    EXPECT_NEAR(ops.compute_s(ops.backward), t.backward_input_s + t.weight_backward_s, 1e-12);
    int ep_ops = 0;
    for (const StageOp& op : ops.forward) ep_ops += op.kind == WorkKind::kEp ? 1 : 0;
    int moe_layers = 0;
    for (int l = stage.first_layer; l < stage.first_layer + stage.layer_count; ++l) moe_layers += s.job.model.is_moe_layer(l);
    moe_layers += stage.mtp_modules;
    EXPECT_EQ(ep_ops, 2 * moe_layers);  // a dispatch and a combine per MoE layer
  }
  // DeepSeek-V3's forward of a MoE layer in the order the overlap works with.
  const StageOps ops = stage_ops(plan.stages[1], s, model);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < 6; ++i) names.push_back(ops.forward[i].name);
  EXPECT_EQ(names, (std::vector<std::string>{"F L3 attention", "F L3 router", "F L3 dispatch", "F L3 experts",
                                             "F L3 combine", "F L3 combine_sum"}));
}

// The layer-level graph with communication off against the executor fed with the stage ops' sums, plus
// each device's optimizer step after its last op.
void expect_zero_communication_matches_executor(ScheduleKind kind, int pp, int microbatches, int virtual_stages) {
  Scenario s = deepseek();
  s.cluster.nic_latency_s = 0;
  s.cluster.nvlink_latency_s = 0;
  s.layout.pp = pp;
  s.layout.dp = s.cluster.gpu_count() / pp;
  s.layout.schedule = kind;
  s.layout.virtual_stages = virtual_stages;
  s.job.global_batch_sequences = microbatches * s.layout.dp;
  const StagePlan plan = plan_stages(s, PlacementCosts{});
  const hw::RooflineOpTimeModel model(s.cluster.gpu, hw::RooflineEfficiencies{});
  std::vector<ChunkTimes> times;
  for (const Stage& stage : plan.stages) {
    const StageOps ops = stage_ops(stage, s, model);
    const double f = ops.compute_s(ops.forward), b = ops.compute_s(ops.backward), w = ops.compute_s(ops.weight);
    times.push_back({f, b, w, f + b});
  }
  const PipelineSchedule schedule = make_schedule(schedule_request_for(s.layout, microbatches));
  const ScheduleRun ideal = run_schedule(schedule, times);
  const PricedModel priced = price_model(s, model);
  double expected_s = 0;
  for (int r = 0; r < schedule.ranks(); ++r)
    expected_s = std::max(expected_s, ideal.timings[r].back().end_s +
                                          optimizer_seconds(s, held_parameters(plan, r, priced, s.job.model)));
  const auto got = run_in_child([&] {
    StepGraphOptions options;
    options.communication = false;
    const StepGraph graph = build_step_graph(s, plan, microbatches, options);
    const hw::Topology topology = hw::build_topology(s.cluster.topology, hw::topology_params(s.cluster));
    return std::vector<double>{run_engine(graph.graph, topology, graph.engine).makespan_s};
  });
  EXPECT_NEAR(got[0], expected_s, 1e-9 * expected_s) << schedule_name(kind);
}

TEST(StepGraph, ZeroCommunicationReproducesExecutorAtLayerLevel) {
  // The executor takes one chunk time per model stage: it prices F&B as the mean of the two stages'
  // overlapped chunks and an interleaved chunk as a v-th of its stage, so DualPipe, DualPipeV and
  // interleaved 1F1B are checked at chunk level (engine_test.cc).
  expect_zero_communication_matches_executor(ScheduleKind::kGPipe, 4, 8, 1);
  expect_zero_communication_matches_executor(ScheduleKind::kOneFOneB, 8, 16, 1);
  expect_zero_communication_matches_executor(ScheduleKind::kZeroBubble1P, 4, 8, 1);
}

TEST(ReplicaGpus, MergedAllToAllPeersLoadEveryPortOnce) {
  Scenario s = deepseek();
  const ReplicaGpus gpus(s, 16, true);
  EXPECT_EQ(gpus.members(), 64);
  std::vector<int> nic_in(64, 0), nvlink_in(64, 0);
  for (int m = 0; m < 64; ++m) {
    const int g = gpus.gpu(3, m), base = gpus.gpu(3, 0);
    const int nic = gpus.nic_peer(g, 64), nvlink = gpus.nvlink_peer(g, 64);
    EXPECT_EQ(nic % 8, g % 8);             // same plane
    EXPECT_NE(nic / 8, g / 8);             // another node
    EXPECT_EQ(nvlink / 8, g / 8);          // same node
    ASSERT_TRUE(nic >= base && nic < base + 64 && nvlink >= base && nvlink < base + 64);
    ++nic_in[nic - base];
    ++nvlink_in[nvlink - base];
  }
  EXPECT_EQ(nic_in, std::vector<int>(64, 1));
  EXPECT_EQ(nvlink_in, std::vector<int>(64, 1));
}

TEST(ReplicaGpus, MergedFlowsTakeTheTimeOfTheNodeLimitedFlows) {
  hw::TopologyParams p;
  p.nodes = 8;
  p.nvlink_latency_s = 1e-6;
  p.nic_latency_s = 1.5e-6;
  const hw::Topology topology = hw::build_topology(hw::TopologyKind::kMultiPlaneFatTree, p);
  Scenario s = deepseek();
  s.cluster.nodes = 8;
  s.layout.pp = 1;
  s.layout.dp = 64;
  const ReplicaGpus gpus(s, 1, true);
  constexpr double kBytesPerPair = 16e6;
  std::vector<int> all(64);
  for (int g = 0; g < 64; ++g) all[g] = g;
  const auto node_limited = node_limited_all_to_all(topology, all, kBytesPerPair);
  // Per GPU: 7 nodes x 8 GPUs of shares over its NIC; 7 local shares and 7 x 7 forwarded over NVLink.
  std::vector<FlowDemand> merged;
  for (int g = 0; g < 64; ++g) {
    merged.push_back({g, gpus.nic_peer(g, 64), 56 * kBytesPerPair});
    merged.push_back({g, gpus.nvlink_peer(g, 64), 56 * kBytesPerPair});
  }
  auto makespan = [&](const std::vector<FlowDemand>& flows) {
    return run_in_child([&] {
      ActivityGraph graph;
      add_flows(graph, flows, "dispatch");
      return std::vector<double>{run_engine(graph, topology).makespan_s};
    })[0];
  };
  const double full_s = makespan(node_limited), merged_s = makespan(merged);
  EXPECT_NEAR(merged_s, full_s, 0.01 * full_s);
  EXPECT_EQ(node_limited.size(), 64u * 21);  // per GPU: 21 flows become 2
  EXPECT_EQ(merged.size(), 64u * 2);
}

}  // namespace
}  // namespace trainsim::sim
