// What the EP all-to-all carries per token under balanced (uniform) node-limited routing, on DeepSeek-V3's
// path: a token crosses InfiniBand once per target node (to the GPU with the same index there), then
// NVLink to each further GPU holding one of its experts (tech report section 3.2.2).
#pragma once
#include "models/model_config.h"

namespace trainsim::models {

struct EpGroupShape {
  int ep = 1;             // GPUs in the expert-parallel group
  int gpus_per_node = 8;
};

struct EpTrafficPerToken {
  double target_nodes = 0;      // distinct nodes a token's experts live on (<= topk_group when node-limited)
  double remote_nodes = 0;      // of which not the sender's node: InfiniBand copies per token
  double nvlink_copies = 0;     // intra-node forwards per token, summed over target nodes
};

// Expected values over uniform routing. Expert groups map onto nodes when n_group is a multiple of the
// group's node count (DeepSeek-V3: 8 groups over the 8 nodes of EP 64).
EpTrafficPerToken expected_ep_traffic(const ModelConfig& model, const EpGroupShape& group);

}  // namespace trainsim::models
