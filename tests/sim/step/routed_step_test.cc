// A routed load in the simulated step (issue 16, "Into the engine"): a skewed load's step is longer than the
// balanced one by the straggler's extra expert time and its extra bytes, computed here by hand from the op-time
// model and the links' rates, at stage and gpu fidelity; a balanced load is the step without one. Each
// simulation in a child process (one SimGrid run per process).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "core/child_process.h"
#include "hardware/deepep_rates.h"
#include "models/op_catalog.h"
#include "routed_loads.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/step/step_simulation.h"

namespace trainsim::sim {
namespace {

// DeepSeek-V3's layers on 2 nodes: EP 16, no pipeline (1F1B on one stage, so nothing overlaps an all-to-all:
// each micro-batch's ops run one after another), 2 micro-batches, three layers of which the last two are MoE,
// no MTP, no gradient reduction under the backward, zero link latencies and no SMs held by communication
// kernels, so that a step's difference is a sum of durations computable by hand.
Scenario small() {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml");
  s.cluster.nodes = 2;
  s.cluster.nic_latency_s = 0;
  s.cluster.nvlink_latency_s = 0;
  s.cluster.comm_sm_count = 0;
  s.layout.pp = 1;
  s.layout.ep = 16;
  s.layout.dp = 16;
  s.layout.schedule = ScheduleKind::kOneFOneB;
  s.layout.layers_per_stage.clear();
  s.layout.dp_overlap = false;
  s.job.model.num_layers = 3;
  s.job.model.moe.first_dense_layers = 1;
  s.job.model.mtp_depth = 0;
  s.job.global_batch_sequences = 2 * s.layout.dp;
  return s;
}
constexpr int kMicrobatches = 2, kMoeLayers = 2;

// {step, straggler_s}
std::vector<double> simulate(const Scenario& s, Fidelity fidelity, std::shared_ptr<const models::RoutedStepLoad> load,
                             bool measure_straggler = true) {
  return run_in_child([&] {
    StepGraphOptions options;
    options.fidelity = fidelity;
    options.routed_load = std::move(load);
    const StepEstimate e = simulate_step(PricedScenario(s), s.job.global_batch_sequences, options, measure_straggler).step;
    return std::vector<double>{e.step_time_s, e.straggler_s};
  });
}

// The routed ops of one MoE layer (every pass) at `rows` on EP rank 0, priced by the scenario's op-time model.
double routed_expert_s(const Scenario& s, std::int64_t rows) {
  const std::vector<double> seconds = run_in_child([&] {
    const PricedScenario priced(s);
    models::OpContext context = op_context(s);
    context.expert_load_factor = static_cast<double>(rows) / (context.tokens() * s.job.model.moe.experts_per_token);
    double sum = 0;
    for (const models::Op& op : models::build_layer_ops(s.job.model, models::LayerKind::kMoe, context).ops)
      if (op.routed) sum += priced.full_sms_model.seconds(op);
    return std::vector<double>{sum};
  });
  return seconds[0];
}

// An all-to-all on rank 0's ports: each flow alone on its port direction at the port's rate (NVLink at the
// cluster's, the NIC at DeepEP's achieved share of it), the op as long as its busiest port.
struct Ports {
  double nvlink_out = 0, nvlink_in = 0, nic_out = 0, nic_in = 0;
};
Ports rank_zero(const models::EpTrafficMatrix& m) {
  Ports p;
  for (int r = 1; r < m.ep; ++r) {
    p.nvlink_out += m.nvlink(0, r);
    p.nvlink_in += m.nvlink(r, 0);
    p.nic_out += m.nic(0, r);
    p.nic_in += m.nic(r, 0);
  }
  return p;
}
double all_to_all_s(const Scenario& s, const Ports& p, double nic_share) {
  const double nvlink_Bps = s.cluster.nvlink_bandwidth_bytes_per_s, nic_Bps = s.cluster.nic_share_bytes_per_s() * nic_share;
  return std::max({p.nvlink_out / nvlink_Bps, p.nvlink_in / nvlink_Bps, p.nic_out / nic_Bps, p.nic_in / nic_Bps});
}

// One MoE layer of one micro-batch: the forward's dispatch and the backward's combine gradient move the
// dispatch matrix (FP8), the forward's combine and the dispatch's gradient the combine matrix (BF16).
double layer_comm_s(const Scenario& s, const models::RoutedLayerLoad& layer) {
  return 2 * all_to_all_s(s, rank_zero(layer.dispatch), hw::kDeepEpInternodeDispatchShare) +
         2 * all_to_all_s(s, rank_zero(layer.combine), hw::kDeepEpInternodeCombineShare);
}

// The skew: 7680 more rows on rank 0 (15 x 512 taken from the 15 others), half of them arriving from the GPUs of
// its node over NVLink, half from rank 8 over the NIC.
constexpr std::int64_t kExtraRows = 15 * 512;

TEST(RoutedStep, SkewedStepIsLongerByTheStragglersExpertsAndBytes) {
  const Scenario s = small();
  const auto balanced = std::make_shared<const models::RoutedStepLoad>(testing::balanced_load(s));
  const auto skewed = std::make_shared<const models::RoutedStepLoad>(testing::skewed_load(s, kExtraRows, 0.5));
  const std::int64_t rows = balanced->tokens_per_rank * balanced->top_k;
  const double extra_expert_s = routed_expert_s(s, rows + kExtraRows) - routed_expert_s(s, rows);
  const double extra_comm_s = layer_comm_s(s, skewed->microbatches[0][0]) - layer_comm_s(s, balanced->microbatches[0][0]);
  const double expected_s = kMicrobatches * kMoeLayers * (extra_expert_s + extra_comm_s);
  ASSERT_GT(extra_expert_s, 0);
  ASSERT_GT(extra_comm_s, 0);
  for (Fidelity fidelity : {Fidelity::kStage, Fidelity::kGpu}) {
    const double none_s = simulate(s, fidelity, nullptr)[0];
    const std::vector<double> skew = simulate(s, fidelity, skewed);
    // 1e-9 of the step: the engine's clock is a sum of some thousands of durations in doubles.
    EXPECT_NEAR(skew[0] - none_s, expected_s, 1e-9 * none_s) << fidelity_name(fidelity);
    EXPECT_NEAR(skew[1], expected_s, 1e-9 * none_s) << fidelity_name(fidelity);  // the straggler's share
    // Without the balanced reference run (a run's ramp batches): the same routed step, no straggler share.
    const std::vector<double> alone = simulate(s, fidelity, skewed, /*measure_straggler=*/false);
    EXPECT_NEAR(alone[0] - none_s, expected_s, 1e-9 * none_s) << fidelity_name(fidelity);
    EXPECT_EQ(alone[1], 0.0) << fidelity_name(fidelity);
  }
}

TEST(RoutedStep, BalancedLoadIsTheStepWithoutOne) {
  const Scenario s = small();
  const auto balanced = std::make_shared<const models::RoutedStepLoad>(testing::balanced_load(s));
  for (Fidelity fidelity : {Fidelity::kStage, Fidelity::kGpu}) {
    const double none_s = simulate(s, fidelity, nullptr)[0];
    const std::vector<double> routed = simulate(s, fidelity, balanced);
    // Rounding only: at gpu fidelity each GPU's share is split over its peers, equal flows on every port.
    EXPECT_NEAR(routed[0], none_s, 1e-9 * none_s) << fidelity_name(fidelity);
    EXPECT_NEAR(routed[1], 0.0, 1e-9 * none_s) << fidelity_name(fidelity);
  }
}

}  // namespace
}  // namespace trainsim::sim
