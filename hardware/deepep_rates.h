// DeepEP's achieved rates: the share of the NIC's line rate its normal (training) kernels reach when they move
// an EP dispatch or combine between nodes, from DeepEP's own published benchmark (docs/sources.md#deepep-normal-
// kernels). The EP ops of the catalog carry the bytes a GPU sends; the time is those bytes at this share of the
// NIC (the NVLink leg inside a node is priced at the scenario's achieved NVLink rate, as before).
#pragma once
#include "models/op.h"

namespace trainsim::hw {

// DeepEP V1 README table (docs/legacy.md at 3528514a), internode EP 64 on H800 with 400 Gb/s (50 GB/s)
// ConnectX-7 NICs: 51 GB/s dispatching (FP8) and 50 GB/s combining (BF16) of "logical" RDMA bandwidth, which
// counts each token once per node it reaches, its own node included (tests/test_internode.py at 499ec88b).
// At EP 64 (8 nodes, 4 reached per token, 3.5 of them remote) the bytes that cross a NIC are 3.5/4 of those:
// 51 x 3.5/4 = 44.6 GB/s and 50 x 3.5/4 = 43.75 GB/s of the 50 GB/s line rate.
inline constexpr double kDeepEpInternodeDispatchShare = 51.0 * 3.5 / 4.0 / 50.0;  // 0.8925
inline constexpr double kDeepEpInternodeCombineShare = 50.0 * 3.5 / 4.0 / 50.0;   // 0.875

// NCCL's all-to-all between nodes, which moves Megatron-Core's alltoall dispatcher's per-expert rows: "CX-7 NICs at
// NDR rate (400Gbps) should achieve up to 48-49GB/s per NIC" in an all-to-all, which "cannot aggregate the bandwidth
// of multiple NICs" (NCCL's maintainers, github.com/NVIDIA/nccl-tests/issues/267, 2025-01): 48 of the 50 GB/s line
// rate, the lower figure.
inline constexpr double kNcclAllToAllNicShare = 48.0 / 50.0;  // 0.96

// The share of the NIC an EP op's inter-node bytes move at, by the path its all-to-all takes: per node DeepEP's, by
// the kernel that moves it (a dispatch kernel: forward dispatch, and the combine's gradient going out in FP8; a
// combine kernel: forward combine, and the dispatch's gradient coming back); per expert NCCL's all-to-all. 1 for any
// other op.
double ep_nic_share(models::CommKind kind, models::EpDispatch dispatch);

}  // namespace trainsim::hw
