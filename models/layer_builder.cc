// The TP collectives of a layer's sub-blocks and of the vocab-parallel embedding and head, and CP's around the
// attention core (layer_builder.h).
#include "models/layer_builder.h"

#include <algorithm>

namespace trainsim::models::catalog {
namespace {

// A TP collective over [rows, hidden] BF16 activations: its bytes per GPU on the link it crosses.
void tp_collective(LayerBuilder& b, const std::string& name, OpRole role, Pass pass, CommKind kind, double rows,
                   double hidden) {
  const OpContext& c = b.context();
  const double tensor_bytes = rows * hidden * kBf16;  // the collective's message (nccl-tests' S)
  const double shard = tensor_bytes * (c.tp - 1) / c.tp;  // ring: each GPU sends (t-1)/t of the tensor
  const double bytes = kind == CommKind::kTpAllReduce ? 2 * shard : shard;
  // NOTE: a TP group wider than a node runs its rings across nodes; the NCCL collective behind the op prices
  // the slower of its legs (hardware/nccl_collective.h). The bytes below say which link its volume crosses.
  const bool crosses_nodes = c.tp > c.gpus_per_node;
  Op& op = b.communication(name, role, pass, kind, crosses_nodes ? 0.0 : bytes, crosses_nodes ? bytes : 0.0);
  op.message_bytes = tensor_bytes;
  op.group_ranks = c.tp;
  op.group_ranks_per_node = crosses_nodes ? c.gpus_per_node : c.tp;
}

}  // namespace

void cp_collectives(LayerBuilder& b, double kv_width, bool rerun) {
  const OpContext& c = b.context();
  if (c.cp <= 1) return;
  const double gathered_bytes = static_cast<double>(c.micro_batch_size) * c.sequence_length * kv_width * kBf16;
  const double sent_bytes = gathered_bytes * (c.cp - 1) / c.cp;  // ring: each GPU passes on the other shards
  const int ranks_per_node = std::clamp(c.gpus_per_node / std::max(1, c.tp), 1, c.cp);
  const bool crosses_nodes = ranks_per_node < c.cp;
  auto collective = [&](const std::string& name, Pass pass, CommKind kind, bool recomputed) {
    Op& op = b.communication(name, OpRole::kAttentionCp, pass, kind, crosses_nodes ? 0.0 : sent_bytes,
                             crosses_nodes ? sent_bytes : 0.0);
    op.message_bytes = gathered_bytes;  // nccl-tests' S: the all-gather's output, the reduce-scatter's input
    op.group_ranks = c.cp;
    op.group_ranks_per_node = ranks_per_node;
    op.recomputed = recomputed;
    if (c.cp_comm == CpComm::kRing) op.hidden_under = HiddenUnder::kAttentionCore;
  };
  collective("attn.cp_all_gather_kv", Pass::kForward, CommKind::kCpAllGather, false);
  if (rerun) collective("attn.cp_all_gather_kv", Pass::kBackwardInput, CommKind::kCpAllGather, true);
  collective("attn.cp_all_gather_kv.bwd", Pass::kBackwardInput, CommKind::kCpAllGather, false);
  collective("attn.cp_reduce_scatter_dkv", Pass::kBackwardInput, CommKind::kCpReduceScatter, false);
}

void vocab_tp_collective(LayerBuilder& b, const std::string& name, VocabEnd end, double rows, double hidden) {
  const OpContext& c = b.context();
  if (c.tp <= 1) return;
  const bool embedding = end == VocabEnd::kEmbedding;
  const OpRole role = embedding ? OpRole::kPreTp : OpRole::kHeadTp;
  const Pass reduced_in = embedding ? Pass::kForward : Pass::kBackwardInput;
  if (!c.sequence_parallel) {
    tp_collective(b, name + ".tp_all_reduce", role, reduced_in, CommKind::kTpAllReduce, rows, hidden);
    return;
  }
  const Pass gathered_in = embedding ? Pass::kBackwardInput : Pass::kForward;
  tp_collective(b, name + ".tp_reduce_scatter", role, reduced_in, CommKind::kTpReduceScatter, rows, hidden);
  tp_collective(b, name + ".tp_all_gather", role, gathered_in, CommKind::kTpAllGather, rows, hidden);
}

// Megatron's f and g around a sub-block: forward all-reduce (or reduce-scatter after and all-gather before,
// with sequence parallelism), the mirror in backward.
void tp_collectives(LayerBuilder& b, const std::string& block, OpRole role, double rows, double hidden) {
  if (b.context().tp <= 1) return;
  auto collective = [&](const std::string& name, Pass pass, CommKind kind) {
    tp_collective(b, name, role, pass, kind, rows, hidden);
    if (b.context().tp_comm_overlap) b.last_op().hidden_under = HiddenUnder::kSubBlockGemms;
  };
  if (b.context().sequence_parallel) {
    collective(block + ".tp_all_gather", Pass::kForward, CommKind::kTpAllGather);
    collective(block + ".tp_reduce_scatter", Pass::kForward, CommKind::kTpReduceScatter);
    collective(block + ".tp_all_gather.bwd", Pass::kBackwardInput, CommKind::kTpAllGather);
    collective(block + ".tp_reduce_scatter.bwd", Pass::kBackwardInput, CommKind::kTpReduceScatter);
  } else {
    collective(block + ".tp_all_reduce", Pass::kForward, CommKind::kTpAllReduce);
    collective(block + ".tp_all_reduce.bwd", Pass::kBackwardInput, CommKind::kTpAllReduce);
  }
}

}  // namespace trainsim::models::catalog
