// Reading a routed load: the bytes an EP op moves between two ranks (hand-weighted by its all-to-alls and
// DeepEP's NIC shares), which layer load a micro-batch meets, the straggler, and loads made for another layout.
#include "sim/step/routed_load_view.h"

#include <gtest/gtest.h>

#include <memory>

#include "routed_loads.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/synthetic_routed_load.h"

namespace trainsim::sim {
namespace {

// DeepSeek-V3 on 2 nodes, EP 16: 15 MoE layers (3 to 17 of 18 layers), no MTP.
Scenario two_nodes() {
  Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml");
  s.cluster.nodes = 2;
  s.layout.pp = 1;
  s.layout.ep = 16;
  s.layout.dp = 16;
  s.layout.layers_per_stage.clear();
  s.job.model.num_layers = 18;
  s.job.model.mtp_depth = 0;
  return s;
}

TEST(RoutedLoadView, PairBytesWeighTheOpsAllToAllsAndTheNicShares) {
  const Scenario s = two_nodes();
  const models::RoutedStepLoad load = testing::balanced_load(s);
  const models::RoutedLayerLoad& layer = load.microbatches[0][0];
  StageOp op;  // a recomputed dispatch beside the dispatch's gradient: one all-to-all of each kind
  op.ep_dispatches = 1;
  op.ep_combines = 1;
  const EpPairBytes nic = ep_pair_bytes(op, layer, 3, 11), nvlink = ep_pair_bytes(op, layer, 3, 5);
  // DeepEP's achieved NIC shares, 51 x 3.5/4 / 50 dispatching and 50 x 3.5/4 / 50 combining (hw/deepep_rates.h).
  EXPECT_DOUBLE_EQ(nic.nic, layer.dispatch.nic(3, 11) / 0.8925 + layer.combine.nic(3, 11) / 0.875);
  EXPECT_EQ(nic.nvlink, 0.0);
  EXPECT_DOUBLE_EQ(nvlink.nvlink, layer.dispatch.nvlink(3, 5) + layer.combine.nvlink(3, 5));
  EXPECT_EQ(nvlink.nic, 0.0);
  const EpPortBytes ports = ep_port_bytes(op, layer, 3);
  EXPECT_DOUBLE_EQ(ports.nvlink_out, 7 * nvlink.nvlink);  // its 7 node peers
  EXPECT_DOUBLE_EQ(ports.nic_out, nic.nic);               // the same index on the other node
  EXPECT_DOUBLE_EQ(ports.nic_in, ports.nic_out);          // balanced: it receives what it sends
}

// Per expert (Megatron-Core's alltoall dispatcher) a rank's rows cross the NIC to every GPU of the other node, not
// only to its own local index there: the view takes such a load (the bench's skewed one and the router's balanced
// one), where it refuses one that leaves DeepSeek's path under per-node dispatch.
TEST(RoutedLoadView, PerExpertLoadsReachEveryGpuOfTheOtherNode) {
  Scenario s = two_nodes();
  s.layout.ep_dispatch = models::EpDispatch::kPerExpert;
  const PricedScenario priced(s);
  const auto load = std::make_shared<const models::RoutedStepLoad>(synthetic_routed_load(s, 0.3, 1));
  const RoutedLoadView view(load, s, priced.full_sms_model);
  const models::RoutedLayerLoad& layer = load->microbatches[0][0];
  EXPECT_GT(layer.dispatch.nic(3, 12), 0.0);  // rank 3 (node 0, index 3) to rank 12 (node 1, index 4)
  EXPECT_GT(layer.dispatch.nic(3, 11), 0.0);
  EXPECT_EQ(layer.dispatch.nvlink(3, 12), 0.0);
  EXPECT_NO_THROW(RoutedLoadView(std::make_shared<const models::RoutedStepLoad>(testing::balanced_load(s)), s,
                                 priced.full_sms_model));
  Scenario per_node = two_nodes();
  EXPECT_THROW(RoutedLoadView(load, per_node, PricedScenario(per_node).full_sms_model), Error);
}

TEST(RoutedLoadView, MicrobatchesRepeatAndUnlistedLayersRunBalanced) {
  const Scenario s = two_nodes();
  const PricedScenario priced(s);
  auto load = std::make_shared<models::RoutedStepLoad>(testing::balanced_load(s));
  load->microbatches.push_back(load->microbatches[0]);
  load->microbatches[1].pop_back();  // the second listed micro-batch leaves out the last MoE layer
  RoutedLoadView traffic(load, s, priced.full_sms_model);
  EXPECT_EQ(traffic.find(0, 3), &load->microbatches[0][0]);
  EXPECT_EQ(traffic.find(5, 3), &load->microbatches[1][0]);   // micro-batch 5 reads entry 5 % 2
  EXPECT_EQ(traffic.find(4, 17), &load->microbatches[0].back());
  EXPECT_EQ(traffic.find(5, 17), nullptr);
  EXPECT_EQ(traffic.find(0, 0), nullptr);   // a dense layer
  EXPECT_EQ(traffic.find(0, -1), nullptr);  // the embedding
}

TEST(RoutedLoadView, TheStragglerHasTheMostRowsOrReceivesTheMost) {
  const Scenario s = two_nodes();
  const PricedScenario priced(s);
  auto load = std::make_shared<models::RoutedStepLoad>(testing::balanced_load(s));
  std::vector<models::RoutedLayerLoad>& layers = load->microbatches[0];
  layers[1].rows_per_rank[9] += 4096;                               // more rows on rank 9
  layers[2].dispatch.nic_bytes[layers[2].dispatch.index(3, 11)] *= 2;  // more bytes into rank 11
  RoutedLoadView traffic(load, s, priced.full_sms_model);
  EXPECT_EQ(traffic.straggler(layers[0]), 0);  // all equal: the lowest rank
  EXPECT_EQ(traffic.straggler(layers[1]), 9);
  EXPECT_EQ(traffic.straggler(layers[2]), 11);
}

TEST(RoutedLoadView, ALoadForAnotherLayoutIsRefused) {
  const Scenario s = two_nodes();
  const PricedScenario priced(s);
  auto load = std::make_shared<models::RoutedStepLoad>(testing::balanced_load(s));
  load->ep = 8;
  EXPECT_THROW(RoutedLoadView(load, s, priced.full_sms_model), Error);
  load = std::make_shared<models::RoutedStepLoad>(testing::balanced_load(s));
  load->tokens_per_rank = 2048;  // a micro-batch of 4096 tokens routes 4096 x 8 rows
  EXPECT_THROW(RoutedLoadView(load, s, priced.full_sms_model), Error);
  load = std::make_shared<models::RoutedStepLoad>(testing::balanced_load(s));
  load->microbatches[0][2].combine.nvlink_bytes.pop_back();
  EXPECT_THROW(RoutedLoadView(load, s, priced.full_sms_model), Error);
}

}  // namespace
}  // namespace trainsim::sim
