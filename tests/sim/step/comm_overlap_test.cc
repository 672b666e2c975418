// Communication pipelined with compute: a sub-block's overlapped TP collectives stay exposed by what its GEMMs of
// the pass cannot cover, max(0, collectives - GEMMs), context parallelism's ring by what cp - 1 of the attention
// core's cp steps cannot, and the closed form's layer timing carries only that. The GEMM times
// are set by hand against the collective's NCCL time, worked out in layer_timing_test.cc: Llama-405B's TP 8
// all-reduce of a [4096, 16384] BF16 tensor inside a node, 56 us of latency + 234,881,024 B over 360 GB/s.
#include "sim/step/comm_overlap.h"

#include <gtest/gtest.h>

#include "tests/sim/step/h100_cluster.h"

#include "hardware/nccl_collective.h"
#include "sim/step/layer_timing.h"

namespace trainsim::sim {
namespace {

using models::Op;
using models::OpKind;
using models::OpRole;
using models::Pass;

constexpr double kAllReduceS = 56e-6 + 234881024.0 / 360e9;

hw::ClusterSpec h100() { return testing::h100_links(); }

// One second a TFLOP: a GEMM of `seconds` x 1e12 FLOPs takes `seconds`.
class SecondPerTeraflop final : public hw::OpTimeModel {
 public:
  double seconds(const Op& op) const override { return op.flops * 1e-12; }
};

Op gemm(OpRole role, Pass pass, double seconds) {
  Op op{"gemm", OpKind::kGemm, models::Dtype::kBf16, pass, role, seconds * 1e12, 0};
  return op;
}

Op all_reduce(OpRole role, Pass pass, bool overlapped) {
  Op op{"tp_all_reduce", OpKind::kCommunication, models::Dtype::kBf16, pass, role};
  op.comm = models::CommKind::kTpAllReduce;
  op.message_bytes = 4096.0 * 16384 * 2;
  op.group_ranks = 8;
  op.group_ranks_per_node = 8;
  op.intra_node_bytes = 2 * op.message_bytes * 7 / 8;
  if (overlapped) op.hidden_under = models::HiddenUnder::kSubBlockGemms;
  return op;
}

TEST(CommOverlap, ACollectiveStaysExposedByWhatItsSubBlocksGemmsCannotCover) {
  models::LayerOps layer;
  layer.ops = {
      gemm(OpRole::kAttention, Pass::kForward, 2 * kAllReduceS),               // covers the forward's all
      all_reduce(OpRole::kAttentionTp, Pass::kForward, true),                  // 0
      gemm(OpRole::kAttention, Pass::kBackwardInput, 0.25 * kAllReduceS),      // dgrad and wgrad: half of it
      gemm(OpRole::kAttention, Pass::kBackwardWeight, 0.25 * kAllReduceS),
      all_reduce(OpRole::kAttentionTp, Pass::kBackwardInput, true),            // 1/2
      all_reduce(OpRole::kMlpTp, Pass::kForward, true),                        // no MLP GEMM: 1
      all_reduce(OpRole::kPreTp, Pass::kForward, false),                       // the embedding's: 1
  };
  const SecondPerTeraflop model;
  const std::vector<double> shares = exposed_comm_shares(layer, model, h100());
  ASSERT_EQ(shares.size(), layer.ops.size());
  const std::vector<double> expected = {1, 0, 1, 1, 0.5, 1, 1};
  for (std::size_t i = 0; i < shares.size(); ++i) EXPECT_NEAR(shares[i], expected[i], 1e-12) << i;
  // The closed form: forward TP the MLP's and the embedding's all-reduces, backward half the attention's.
  const LayerTiming t = time_layer(layer, model, h100());
  EXPECT_NEAR(t.tp_forward_s, 2 * kAllReduceS, 1e-12 * kAllReduceS);
  EXPECT_NEAR(t.tp_backward_s, 0.5 * kAllReduceS, 1e-12 * kAllReduceS);
}

TEST(CommOverlap, WithoutTheFlagEveryCollectiveIsExposed) {
  models::LayerOps layer;
  layer.ops = {gemm(OpRole::kAttention, Pass::kForward, 2 * kAllReduceS),
               all_reduce(OpRole::kAttentionTp, Pass::kForward, false)};
  const std::vector<double> shares = exposed_comm_shares(layer, SecondPerTeraflop(), h100());
  EXPECT_EQ(shares, (std::vector<double>{1, 1}));
}

// Context parallelism's ring at cp 4: three sends under three of the core's four (equal) steps. Forward core 2 c: its
// three steps, 1.5 c, cover the c of sends; backward core c: 0.75 c of it covers, a quarter of the sends stays.
TEST(CommOverlap, ContextParallelRingHidesUnderCpMinusOneCoreSteps) {
  auto ring_send = [](Pass pass) {
    Op op = all_reduce(OpRole::kAttentionCp, pass, false);
    op.comm = models::CommKind::kCpAllGather;  // NCCL's all-gather of the same message: the ring's bytes
    op.group_ranks = 4;
    op.group_ranks_per_node = 4;
    op.hidden_under = models::HiddenUnder::kAttentionCore;
    return op;
  };
  const hw::CollectiveTime gather =
      hw::nccl_collective_time({hw::CollectiveKind::kAllGather, 4096.0 * 16384 * 2, 4, 4}, h100());
  const double c = gather.seconds();
  Op core_forward{"attn.core", OpKind::kAttention, models::Dtype::kBf16, Pass::kForward, OpRole::kAttention,
                  2 * c * 1e12, 0};
  Op core_backward = core_forward;
  core_backward.pass = Pass::kBackwardInput;
  core_backward.flops = c * 1e12;
  models::LayerOps layer;
  layer.ops = {ring_send(Pass::kForward), core_forward, ring_send(Pass::kBackwardInput), core_backward};
  const std::vector<double> shares = exposed_comm_shares(layer, SecondPerTeraflop(), h100());
  EXPECT_NEAR(shares[0], 0.0, 1e-12);
  EXPECT_NEAR(shares[2], 0.25, 1e-12);
  EXPECT_EQ(shares[1], 1.0);
  // The closed form's CP time: a quarter of the backward's send.
  const LayerTiming t = time_layer(layer, SecondPerTeraflop(), h100());
  EXPECT_NEAR(t.cp_forward_s, 0.0, 1e-12 * c);
  EXPECT_NEAR(t.cp_backward_s, 0.25 * c, 1e-12 * c);
}

}  // namespace
}  // namespace trainsim::sim
