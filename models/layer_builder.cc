// The TP collectives of a layer's sub-blocks (layer_builder.h).
#include "models/layer_builder.h"

namespace trainsim::models::catalog {

// TP collectives of one sub-block (attention or MLP) on [rows, hidden] BF16 activations: forward all-reduce
// (or reduce-scatter after and all-gather before, with sequence parallelism), the mirror in backward.
void tp_collectives(LayerBuilder& b, const std::string& block, OpRole role, double rows, double hidden) {
  const OpContext& c = b.context();
  if (c.tp <= 1) return;
  const double shard = rows * hidden * kBf16 * (c.tp - 1) / c.tp;  // ring: each GPU sends (t-1)/t of the tensor
  // NOTE: a TP group wider than a node runs its rings across nodes; the NCCL collective behind the op prices
  // the slower of its legs (hardware/nccl_collective.h). The bytes below say which link its volume crosses.
  const bool crosses_nodes = c.tp > c.gpus_per_node;
  const double tensor_bytes = rows * hidden * kBf16;  // the collective's message (nccl-tests' S)
  auto collective = [&](const std::string& name, Pass pass, CommKind kind, double bytes) {
    Op& op = b.communication(name, role, pass, kind, crosses_nodes ? 0.0 : bytes, crosses_nodes ? bytes : 0.0);
    op.message_bytes = tensor_bytes;
    op.group_ranks = c.tp;
    op.group_ranks_per_node = crosses_nodes ? c.gpus_per_node : c.tp;
  };
  if (c.sequence_parallel) {
    collective(block + ".tp_all_gather", Pass::kForward, CommKind::kTpAllGather, shard);
    collective(block + ".tp_reduce_scatter", Pass::kForward, CommKind::kTpReduceScatter, shard);
    collective(block + ".tp_all_gather.bwd", Pass::kBackwardInput, CommKind::kTpAllGather, shard);
    collective(block + ".tp_reduce_scatter.bwd", Pass::kBackwardInput, CommKind::kTpReduceScatter, shard);
  } else {
    collective(block + ".tp_all_reduce", Pass::kForward, CommKind::kTpAllReduce, 2 * shard);
    collective(block + ".tp_all_reduce.bwd", Pass::kBackwardInput, CommKind::kTpAllReduce, 2 * shard);
  }
}

}  // namespace trainsim::models::catalog
