// The step graph: with communication off, the layer-level expansion reproduces the ideal executor. Each
// simulation in a child.
#include "sim/step/step_graph.h"

#include <gtest/gtest.h>

#include "core/child_process.h"
#include "hardware/topology_builder.h"
#include "sim/step/data_parallel.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/schedules/schedule_request.h"
#include "sim/schedules/schedule_run.h"
#include "sim/step/stage_ops.h"
#include "sim/scenario/layout_rules.h"
#include "tests/sim/step/deepseek_scenario.h"

namespace trainsim::sim {
namespace {

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
  const PricedScenario priced_scenario(s);
  const StagePlan& plan = priced_scenario.plan;
  const hw::OpTimeModel& model = priced_scenario.full_sms_model;
  const PricedModel& priced = priced_scenario.at_full_sms;
  std::vector<ChunkTimes> times;
  for (const Stage& stage : plan.stages) {
    const StageOps ops = stage_ops(stage, priced, s.job.model, model, s.cluster);
    const double f = ops.compute_s(ops.forward), b = ops.compute_s(ops.backward), w = ops.compute_s(ops.weight);
    times.push_back({f, b, w, f + b});
  }
  const PipelineSchedule schedule = make_schedule(schedule_request_for(s.layout, microbatches));
  const ScheduleRun ideal = run_schedule(schedule, times);
  double expected_s = 0;
  for (int r = 0; r < schedule.ranks(); ++r)
    expected_s = std::max(expected_s, ideal.timings[r].back().end_s +
                                          optimizer_seconds(s, held_parameters(plan, r, priced, s.job.model), priced_scenario.full_sms_model));
  const auto got = run_in_child([&] {
    StepGraphOptions options;
    options.communication = false;
    const StepGraph graph = build_step_graph(priced_scenario, microbatches, options);
    const hw::Topology topology = hw::build_topology(s.cluster.topology, hw::topology_params(s.cluster));
    return std::vector<double>{run_engine(graph.graph, topology, graph.engine).makespan_s};
  });
  EXPECT_NEAR(got[0], expected_s, 1e-9 * expected_s) << schedule_name(kind);
}

TEST(StepGraph, ZeroThreeGathersEveryLayerTwiceAndReducesItOncePerMicrobatch) {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/llama-3.1-405b-16384xh100.yaml");
  s.layout.zero_stage = 3;
  const PricedScenario priced(s);
  const StepGraph graph = build_step_graph(priced, 16, StepGraphOptions{});
  int gathers = 0, reduces = 0, step_end = 0;
  for (const Activity& a : graph.graph.activities()) {
    if (a.stream != Stream::kComm) continue;
    const std::string& name = graph.graph.names()[static_cast<std::size_t>(a.label.name)];
    gathers += name == "fsdp all-gather";
    reduces += name == "fsdp reduce-scatter";
    step_end += name.rfind("dp ", 0) == 0;
  }
  // By hand: 126 layers, the embedding and the output head are 128 units over the 16 devices (one GPU each at
  // stage fidelity); 16 micro-batches each gather every unit before its forward and its backward and reduce it
  // after its backward (one flow per collective; EP 1 holds no routed experts). Nothing at the step's end.
  EXPECT_EQ(gathers, 16 * 128 * 2);
  EXPECT_EQ(reduces, 16 * 128);
  EXPECT_EQ(step_end, 0);
}

// ZeRO 2 keeps only its shard's gradients, so it reduce-scatters each layer after every micro-batch's backward
// (DeepSpeed, docs/sources.md#zero-2-reduction); its weights stay whole: no gathers in the passes, one all-gather
// after the optimizer.
TEST(StepGraph, ZeroTwoReducesEveryLayerOncePerMicrobatchAndGathersOnlyAfterTheOptimizer) {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/llama-3.1-405b-16384xh100.yaml");
  s.layout.zero_stage = 2;
  const PricedScenario priced(s);
  const StepGraph graph = build_step_graph(priced, 16, StepGraphOptions{});
  int unit_gathers = 0, reduces = 0, end_reduces = 0, end_gathers = 0;
  for (const Activity& a : graph.graph.activities()) {
    if (a.stream != Stream::kComm) continue;
    const std::string& name = graph.graph.names()[static_cast<std::size_t>(a.label.name)];
    unit_gathers += name == "fsdp all-gather";
    reduces += name == "zero-2 reduce-scatter";
    end_reduces += name == "dp reduce-scatter";
    end_gathers += name == "dp all-gather";
  }
  // By hand, as for ZeRO 3 above: 128 units over 16 devices of one GPU each, 16 micro-batches, each unit reduced
  // after each backward; one weight all-gather per device after its optimizer (EP 1: no expert replicas).
  EXPECT_EQ(unit_gathers, 0);
  EXPECT_EQ(reduces, 16 * 128);
  EXPECT_EQ(end_reduces, 0);
  EXPECT_EQ(end_gathers, 16);
}

TEST(StepGraph, ZeroCommunicationReproducesExecutorAtLayerLevel) {
  // The executor takes one chunk time per model stage: it prices F&B as the mean of the two stages'
  // overlapped chunks and an interleaved chunk as a v-th of its stage, so DualPipe, DualPipeV and
  // interleaved 1F1B are checked at chunk level (engine_test.cc).
  expect_zero_communication_matches_executor(ScheduleKind::kGPipe, 4, 8, 1);
  expect_zero_communication_matches_executor(ScheduleKind::kOneFOneB, 8, 16, 1);
  expect_zero_communication_matches_executor(ScheduleKind::kZeroBubble1P, 4, 8, 1);
}

}  // namespace
}  // namespace trainsim::sim
