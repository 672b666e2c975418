// The op catalog: every op of one micro-batch through one layer (dense or MoE; MLA or GQA attention;
// embedding; output head and loss; MTP module) on one GPU, for forward, backward-for-inputs and
// backward-for-weights, with parameters and the activations saved from forward to backward.
#pragma once
#include <string_view>
#include <vector>

#include "models/attention_kernel.h"
#include "models/context_parallel_comm.h"
#include "models/cross_entropy_kernel.h"
#include "models/ep_traffic.h"
#include "models/model_config.h"
#include "models/op.h"
#include "models/precision_policy.h"
#include "models/recompute.h"
#include "models/residual_add.h"

namespace trainsim::models {

enum class LayerKind { kDense, kMoe, kEmbedding, kOutputHead, kMtp };

// How one micro-batch meets one GPU.
struct OpContext {
  int micro_batch_size = 1;  // sequences
  int sequence_length = 4096;
  int tp = 1;
  bool sequence_parallel = false;
  // Megatron's --tp-comm-overlap (Transformer Engine's userbuffers): each sub-block's TP collectives pipelined with
  // that sub-block's GEMMs (Op::hidden_under; sim/step/comm_overlap.h prices what stays exposed).
  bool tp_comm_overlap = false;
  // Context parallelism: the sequence split over `cp` GPUs in 2 cp chunks, each GPU holding two (the
  // load-balanced causal split of Llama 3, arXiv 2407.21783 section 3.3.2, and Megatron-Core); every op but
  // the attention core sees this GPU's sequence_length / cp tokens of each sequence.
  int cp = 1;
  CpComm cp_comm = CpComm::kRing;  // how the CP group moves K and V (models/context_parallel_comm.h)
  int ep = 1;
  EpDispatch ep_dispatch = EpDispatch::kPerNode;  // how the all-to-all moves a token (ep_dispatch.h)
  int gpus_per_node = 8;
  Recompute recompute = Recompute::kNone;
  RecomputeModules recompute_modules;  // the listed modules, with Recompute::kModules
  AttentionKernel attention_kernel = AttentionKernel::kFlash;
  CrossEntropyKernel cross_entropy_kernel = CrossEntropyKernel::kFused;
  ResidualAdd residual_add = ResidualAdd::kFused;
  PrecisionPolicy precision;
  // Tokens routed to this GPU's experts relative to the balanced share (1 = balanced); the routing model
  // sets it per GPU to price stragglers.
  double expert_load_factor = 1.0;
  // The rows each of this GPU's routed experts computes, in local expert order, where the router's own counts
  // are priced (the one-device validation: kernels/model's routing per layer and step); empty: the balanced
  // share each, times expert_load_factor. Given, their sum is the GPU's routed rows and the factor is not read.
  std::vector<std::int64_t> routed_rows_by_expert;
  // Bytes per parameter per micro-batch that a separate gradient-accumulation kernel moves, averaged over the
  // step's micro-batches (0 where the Wgrad GEMMs accumulate in place): sim/step/priced_model.cc sets it.
  double gradient_accumulation_bytes_per_parameter = 0;

  // The tokens of the micro-batch on this GPU: its sequences' share under context parallelism.
  double tokens() const { return static_cast<double>(micro_batch_size) * sequence_length / cp; }
  // The tokens this GPU routes to the experts: its sequence shard under sequence parallelism. Megatron-Core's MoE
  // layer takes the shard (moe_layer.py) and each TP rank dispatches its own tokens when the experts are not
  // tensor-split (expert_tp 1); MoE with TP > 1 requires sequence parallelism there (arguments.py), and here
  // (sim/scenario/layout_rules.cc).
  double routed_tokens() const { return sequence_parallel ? tokens() / tp : tokens(); }
};

struct LayerOps {
  LayerKind kind = LayerKind::kDense;
  std::vector<Op> ops;                  // forward first, then backward ops (Bi, W, recomputed F)
  double parameters = 0;                // on this GPU, non-expert (replicated over data parallelism)
  double expert_parameters = 0;         // on this GPU, routed experts (replicated over expert-data parallelism)
  double saved_activation_bytes = 0;    // kept from forward to backward, per micro-batch, on this GPU

  double total_flops(Pass pass) const;
  double compute_flops() const;  // all passes, recomputation included, communication excluded
};

LayerOps build_layer_ops(const ModelConfig& model, LayerKind kind, const OpContext& context);

std::string_view layer_kind_name(LayerKind kind);

}  // namespace trainsim::models
