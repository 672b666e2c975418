// What the EP all-to-all carries per token under balanced (uniform) node-limited routing, on one of two paths:
// - per node (DeepEP, DeepSeek-V3's path, tech report section 3.2.2): a token crosses InfiniBand once per target
//   node (to the GPU with the same index there), then NVLink to each further GPU holding one of its experts;
// - per expert (Megatron-Core's alltoall token dispatcher, an NCCL all-to-all): each (token, expert) pair is a row
//   of its own, sent straight to its expert's GPU, over NVLink inside the sender's node and InfiniBand beyond it;
//   two experts of a token on one GPU are two rows (docs/sources.md#ep-dispatch).
#pragma once
#include "models/ep_dispatch.h"
#include "models/model_config.h"

namespace trainsim::models {

struct EpGroupShape {
  int ep = 1;             // GPUs in the expert-parallel group
  int gpus_per_node = 8;
  EpDispatch dispatch = EpDispatch::kPerNode;
};

struct EpTrafficPerToken {
  double target_nodes = 0;   // distinct nodes a token's experts live on (<= topk_group when node-limited)
  double nic_copies = 0;     // InfiniBand copies per token: one per remote target node, or per remote expert
  double nvlink_copies = 0;  // NVLink copies per token: forwards inside target nodes, or rows to the sender's node
};

// Which link a GPU's balanced all-to-all bytes take to a peer of its group, and over how many peers that link's bytes
// spread evenly: NVLink to the other GPUs of its node; the NIC to the same local index on each other node (per node)
// or to every GPU of the other nodes (per expert). No link to itself, nor per node to another index elsewhere.
enum class EpLink { kNone, kNvlink, kNic };
struct EpPeerSpread {
  EpLink link = EpLink::kNone;
  int peers = 0;  // the peers sharing that link's bytes alike
};
EpPeerSpread balanced_peer_spread(const EpGroupShape& group, int from, int to);

// Expected values over uniform routing. Expert groups map onto nodes when n_group is a multiple of the
// group's node count (DeepSeek-V3: 8 groups over the 8 nodes of EP 64).
EpTrafficPerToken expected_ep_traffic(const ModelConfig& model, const EpGroupShape& group);

}  // namespace trainsim::models
