// The F&B chunk pair on the engine: a hand-built two-layer pair whose streams are worked out by hand below,
// the priced DeepSeek-V3 pair against its own link-rate figures, and the invalid inputs.
#include "sim/step/pair_simulation.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "sim/scenario/scenario_loader.h"
#include "tests/sim/engine/test_cluster.h"

namespace trainsim::sim {
namespace {

constexpr double kMs = 1e-3;
// Zero link latencies make a lone flow take bytes / bandwidth exactly; SimGrid rounds times to 1e-9 s
// (tests/sim/engine/engine_test.cc), a few of them summed along the chain.
constexpr double kTolerance_s = 1e-8;

// NIC 50 GB/s, NVLink 160 GB/s (tests/sim/engine/test_cluster.h).
PairLayerTimes hand_layer() {
  PairLayerTimes t;
  t.attention_forward_s = 3 * kMs;
  t.moe_forward_s = 4 * kMs;
  t.attention_backward_s = 5 * kMs;
  t.attention_weight_s = 1 * kMs;
  t.moe_backward_s = 4 * kMs;
  t.moe_weight_s = 2 * kMs;
  t.ep[static_cast<int>(PairEpOp::kCombineBackward)] = {0, 200e6, 0};  // 4 ms over the NIC
  t.ep[static_cast<int>(PairEpOp::kDispatchForward)] = {0, 50e6, 0};   // 1 ms
  t.ep[static_cast<int>(PairEpOp::kDispatchBackward)] = {0, 100e6, 0}; // 2 ms
  t.ep[static_cast<int>(PairEpOp::kCombineForward)] = {480e6, 100e6, 0};  // NVLink 3 ms beside NIC 2 ms: 3 ms
  return t;
}

// By hand, in ms (compute stream: aF mB mW mF aB aW; comm stream: cB dF dB cF; pair_simulation.h):
//   layer 0: cB 0-4 | aF 0-3 | mB 4-8 (waits cB) | dF 4-5 | dB 8-10 | mW 8-10 | mF 10-14 | aB 14-19 | aW 19-20
//            | cF 14-17 (waits mF, stream free at 10)
//   layer 1: cB 19-23 (waits aB 0) | aF 20-23 | mB 23-27 | dF 23-24 | dB 27-29 | mW 27-29 | mF 29-33 | aB 33-38
//            | aW 38-39 | cF 33-36
// Wall 39 ms: 38 ms of compute and the 1 ms mB 0 waited for combine B 0.
TEST(PairSimulation, RunsTheStreamsAsWorkedOutByHand) {
  const PairSimulation p = simulate_pair(hand_layer(), 2, testing::cluster(2));
  EXPECT_NEAR(p.wall_s, 39 * kMs, kTolerance_s);
  EXPECT_NEAR(p.compute_busy_s, 38 * kMs, kTolerance_s);
  ASSERT_EQ(p.ep_ops.size(), 8u);
  struct Expected {
    PairEpOp op;
    int layer;
    double stream_free_ms, start_ms, end_ms;
  };
  const Expected expected[] = {
      {PairEpOp::kCombineBackward, 0, 0, 0, 4},  {PairEpOp::kDispatchForward, 0, 4, 4, 5},
      {PairEpOp::kDispatchBackward, 0, 5, 8, 10}, {PairEpOp::kCombineForward, 0, 10, 14, 17},
      {PairEpOp::kCombineBackward, 1, 17, 19, 23}, {PairEpOp::kDispatchForward, 1, 23, 23, 24},
      {PairEpOp::kDispatchBackward, 1, 24, 27, 29}, {PairEpOp::kCombineForward, 1, 29, 33, 36}};
  for (std::size_t i = 0; i < 8; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(p.ep_ops[i].op, expected[i].op);
    EXPECT_EQ(p.ep_ops[i].layer, expected[i].layer);
    EXPECT_NEAR(p.ep_ops[i].stream_free_s, expected[i].stream_free_ms * kMs, kTolerance_s);
    EXPECT_NEAR(p.ep_ops[i].start_s, expected[i].start_ms * kMs, kTolerance_s);
    EXPECT_NEAR(p.ep_ops[i].end_s, expected[i].end_ms * kMs, kTolerance_s);
  }
  // The profiler's view: kernel start to end, summed over the two layers.
  EXPECT_NEAR(p.observed_s(PairEpOp::kCombineBackward), 8 * kMs, kTolerance_s);
  EXPECT_NEAR(p.observed_s(PairEpOp::kDispatchForward), 2 * kMs, kTolerance_s);
  EXPECT_NEAR(p.observed_s(PairEpOp::kDispatchBackward), 4 * kMs, kTolerance_s);
  EXPECT_NEAR(p.observed_s(PairEpOp::kCombineForward), 6 * kMs, kTolerance_s);
}

TEST(PairSimulation, GroupsTheScenariosLayerAndSendsAtLinkRate) {
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml");
  const PricedScenario priced(s);
  const PairLayerTimes layer = pair_layer_times(priced.at_schedule_sms.moe.ops, priced.schedule_sms_model, s.cluster);
  // Conservation: the blocks hold the layer's compute, the EP ops its EP time (layer_timing.h).
  const LayerTiming& timing = priced.at_schedule_sms.moe.timing;
  const double compute_s = layer.attention_forward_s + layer.moe_forward_s + layer.attention_backward_s +
                           layer.attention_weight_s + layer.moe_backward_s + layer.moe_weight_s;
  EXPECT_NEAR(compute_s, timing.compute_s() + timing.tp_forward_s + timing.tp_backward_s, 1e-9 * compute_s);
  double ep_s = 0;
  for (const EpTransfer& t : layer.ep) ep_s += t.link_rate_s;
  EXPECT_NEAR(ep_s, timing.ep_forward_s + timing.ep_backward_s, 1e-9 * ep_s);

  const PairSimulation p = simulate_pair(priced, 4);
  ASSERT_EQ(p.ep_ops.size(), 16u);
  // One comm op at a time on one GPU's links: each runs at its link rate. The engine's route crosses two
  // NIC hops (GPU to leaf, leaf to GPU) where communication_seconds counts one latency: 1% covers it.
  for (const EpOpRun& r : p.ep_ops) {
    SCOPED_TRACE(pair_ep_op_name(r.op));
    const double link_rate_s = layer.ep[static_cast<int>(r.op)].link_rate_s;
    EXPECT_NEAR(r.observed_s(), link_rate_s, 0.01 * link_rate_s);
    EXPECT_GE(r.start_s, r.stream_free_s);
  }
  EXPECT_GE(p.wall_s, p.compute_busy_s);
  EXPECT_NEAR(p.compute_busy_s, 4 * compute_s, 1e-9 * p.compute_busy_s);
}

TEST(PairSimulation, RefusesNoLayersAndNicBytesOnOneNode) {
  EXPECT_THROW(simulate_pair(hand_layer(), 0, testing::cluster(2)), Error);
  try {
    simulate_pair(hand_layer(), 1, testing::cluster(1));
    FAIL() << "expected trainsim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("one-node topology"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::sim
