// Communication ops in the closed form: TP collectives priced by NCCL's model (hardware/nccl_collective.h),
// EP all-to-all by bytes over the slower leg plus its latency, each with the CommLoad terms that add up to it.
// Expected values by hand; 1e-12 relative covers the rounding of a few double operations.
#include "sim/step/layer_timing.h"

#include <gtest/gtest.h>

#include "tests/sim/step/h100_cluster.h"

namespace trainsim::sim {
namespace {

hw::ClusterSpec h100() { return testing::h100_links(); }

// Llama-405B's TP 8 all-reduce of a [4096, 16384] BF16 tensor (134,217,728 B) as the op catalog builds it.
models::Op tp_all_reduce(int tp, int per_node) {
  models::Op op{"attn.tp_all_reduce", models::OpKind::kCommunication};
  op.comm = models::CommKind::kTpAllReduce;
  op.message_bytes = 4096.0 * 16384 * 2;
  op.group_ranks = tp;
  op.group_ranks_per_node = per_node;
  const double bytes = 2 * op.message_bytes * (tp - 1) / tp;
  (tp > per_node ? op.inter_node_bytes : op.intra_node_bytes) = bytes;
  return op;
}

TEST(LayerTiming, TpCollectivesAreNcclPriced) {
  // 14 ring steps: 8.4 + 14 x 3.4 = 56 us; 2 x 7/8 x 134,217,728 = 234,881,024 B over 360 GB/s = 652.45 us.
  const models::Op op = tp_all_reduce(8, 8);
  EXPECT_NEAR(communication_seconds(op, h100()), 56e-6 + 234881024.0 / 360e9, 1e-12 * 708e-6);
  const CommLoad load = communication_load(op, h100());
  EXPECT_NEAR(load.nvlink_s, 234881024.0 / 360e9, 1e-12 * 652e-6);
  EXPECT_NEAR(load.latency_s, 56e-6, 1e-12 * 56e-6);
  EXPECT_EQ(load.nic_s, 0.0);
}

TEST(LayerTiming, TpCollectivesAcrossNodesTakeTheSlowerLeg) {
  // TP 16 over two nodes: 30 steps, 2 between the nodes: 8.4 + 28 x 3.4 + 2 x 14 = 131.6 us. Each rank's link
  // carries 2 x 15/16 of the tensor, 251,658,240 B: on NVLink at 360 GB/s, 699.05 us; a node's 8 rings leave it
  // over its 8 NICs, an eighth each at 0.94 x 50 GB/s, 669.30 us (hardware/nccl_collective.h). NVLink is slower.
  const models::Op op = tp_all_reduce(16, 8);
  const CommLoad load = communication_load(op, h100());
  EXPECT_NEAR(load.nvlink_s, 2 * 134217728.0 * 15 / 16 / 360e9, 1e-12 * 7e-4);
  EXPECT_NEAR(load.latency_s, 131.6e-6, 1e-12 * 131.6e-6);
  EXPECT_EQ(load.nic_s, 0.0);
  EXPECT_NEAR(communication_seconds(op, h100()), load.nvlink_s + load.latency_s, 1e-15);
}

TEST(LayerTiming, EpAllToAllGoesAtDeepEpsAchievedNicShare) {
  // An EP dispatch: the slower of its legs plus that leg's latency; the NIC leg at DeepEP's published EP64
  // dispatch rate, 51 GB/s of logical bandwidth x 3.5/4 remote = 44.625 GB/s of the 50 GB/s NIC, so 100 MB
  // take 100e6 / 44.625e9 = 2.2409 ms (docs/sources.md#deepep-normal-kernels).
  models::Op op{"moe.dispatch", models::OpKind::kCommunication};
  op.comm = models::CommKind::kEpDispatch;
  op.intra_node_bytes = 36e6;  // 0.1 ms on NVLink
  op.inter_node_bytes = 100e6;
  EXPECT_NEAR(communication_seconds(op, h100()), 100e6 / 44.625e9 + 3.7e-6, 1e-15);
  const CommLoad load = communication_load(op, h100());
  EXPECT_NEAR(load.nic_s, 100e6 / 44.625e9, 1e-15);
  EXPECT_NEAR(load.latency_s, 3.7e-6, 1e-18);
  // A combine kernel: 50 GB/s x 3.5/4 = 43.75 GB/s.
  op.comm = models::CommKind::kEpCombine;
  EXPECT_NEAR(communication_load(op, h100()).nic_s, 100e6 / 43.75e9, 1e-15);
  // Megatron-Core's alltoall dispatcher's rows go by NCCL's all-to-all, 48 GB/s of a 400 Gb/s NIC (NCCL's
  // maintainers, NVIDIA/nccl-tests#267), dispatch and combine alike: 100e6 / 48e9 = 2.0833 ms.
  op.ep_dispatch = models::EpDispatch::kPerExpert;
  EXPECT_NEAR(communication_load(op, h100()).nic_s, 100e6 / 48e9, 1e-15);
  op.comm = models::CommKind::kEpDispatch;
  EXPECT_NEAR(communication_seconds(op, h100()), 100e6 / 48e9 + 3.7e-6, 1e-15);
}

TEST(LayerTiming, FourNicsForEightGpusHalveEachGpusNicRate) {
  // 4 NICs of 50 GB/s for 8 GPUs: GPUs g and g + 4 share NIC g, so each GPU gets 4/8 x 50 = 25 GB/s. A
  // NIC-bound dispatch of 100 MB at DeepEP's 3.5/4 x 51/50 share: 100e6 / (25e9 x 0.8925) = 4.4818 ms, twice
  // the 2.2409 ms of one NIC per GPU.
  models::Op op{"moe.dispatch", models::OpKind::kCommunication};
  op.comm = models::CommKind::kEpDispatch;
  op.inter_node_bytes = 100e6;
  hw::ClusterSpec four_nics = h100();
  four_nics.nics_per_node = 4;
  EXPECT_DOUBLE_EQ(four_nics.nic_share_bytes_per_s(), 25e9);
  EXPECT_NEAR(communication_load(op, four_nics).nic_s, 100e6 / 22.3125e9, 1e-15);
  EXPECT_NEAR(communication_load(op, four_nics).nic_s, 2 * communication_load(op, h100()).nic_s, 1e-15);
  // A TP 16 all-reduce across two nodes: an eighth of 2 x 15/16 of 134,217,728 B on each rank's NIC share at
  // 0.94 x 25 GB/s, 1.3386 ms, now slower than NVLink's 699 us.
  EXPECT_NEAR(communication_load(tp_all_reduce(16, 8), four_nics).nic_s, 2 * 134217728.0 * 15 / 16 / 23.5e9 / 8, 1e-12 * 1.4e-3);
}

}  // namespace
}  // namespace trainsim::sim
