// What a memory-bound call of a calibration plan stands for in the reduced DeepSeek-V3 (kernels/model/): which of
// the model's ops each of the call's catalog ops (CalibrationCall::ops) is, and its shape, read back from the call's
// bytes through the op catalog's byte counts (cited beside each in memory_op_shapes.cc) with the model's widths from
// its config. Both of the loop's harnesses run what these say: the host's loops (host_memory_ops.h) and the GPU's
// kernels (device_memory_ops.cuh), so the two read a plan alike.
//   attn.norm, mlp.norm, moe.norm, head.norm, mtp.enorm, mtp.hnorm   kNorm over rows of the hidden size
//   attn.q_norm, attn.kv_norm                                       kNorm over rows of the latent's width
//   <name>.bwd of each norm                                         kNorm, backward
//   attn.rope, attn.rope.bwd                                        kRope (the q/k/v assembly)
//   mlp.swiglu, moe.*.swiglu and their .bwd                         kSwiglu (the routed experts' once per expert)
//   moe.topk, moe.topk.bwd                                          kTopk (router + layout; the gates' backward)
//   moe.balance_loss, moe.balance_loss.bwd                          kBalanceLoss
//   moe.permute, moe.permute.bwd                                    kPermute (gather; scatter-add) of every expert
//   moe.combine_sum, moe.combine_sum.bwd                            kCombine of every expert
//   embed.lookup, mtp.embed_lookup, embed.scatter_add, ...          kEmbedding
//   head.cross_entropy                                              kCrossEntropy (its gradient in the same pass)
//   attn.input_grad_sum, moe.input_grad_sum, <block>.residual_add,
//   <block>.residual_grad_sum                                       kGradientSum
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernels/calibration/calibration_call.h"
#include "kernels/model/model_config.h"
#include "kernels/moe/permute_ref.h"

namespace trainsim::kernels {

enum class MemoryOp {
  kNorm,
  kSwiglu,
  kRope,
  kGradientSum,
  kTopk,
  kBalanceLoss,
  kPermute,
  kCombine,
  kEmbedding,
  kCrossEntropy,
};

struct MemoryOpShape {
  MemoryOp op = MemoryOp::kNorm;
  bool backward = false;
  // kNorm, kSwiglu: rows; kGradientSum: values; every other op: tokens.
  int rows = 0;
  // kNorm: the normalized width; kSwiglu: the MLP's intermediate width.
  int width = 0;
  // kSwiglu: the rows of each loop the model runs (one per routed expert, split evenly as the catalog's balanced
  // routing does; one loop of every row for a dense or shared MLP).
  std::vector<int> loop_rows;
};

// The routing a routed op's call runs on (kTopk's backward, kBalanceLoss, kPermute, kCombine): each token's experts
// chosen by the model's rule from seeded logits, and the layout the model plans from them (every expert's rows in
// slot order, no padding).
struct CalibrationRouting {
  std::vector<double> logits;  // [tokens][experts]
  std::vector<int> expert_ids;  // [tokens][top_k]
  std::vector<double> gates;    // [tokens][top_k]
  ExpertLayout layout;
};
CalibrationRouting calibration_routing(const RoutingRule& rule, int tokens);

// `count` token ids spread over [0, modulus) by a stride prime to it, the ids a lookup's or a loss's call runs on
// (both harnesses alike): inputs whose values do not change the time.
std::vector<int> calibration_ids(int count, int modulus);

// The model's op for the catalog op `name` of `call` (a memory_bound call), or nullopt where the model runs none of
// its own (the cross-entropy's backward comes with its forward). Throws std::invalid_argument when the op is known
// but the call's bytes are not whole rows of the config's widths (a plan made for another model).
std::optional<MemoryOpShape> memory_op_shape(const CalibrationCall& call, const std::string& name,
                                             const model::ModelConfig& config);

}  // namespace trainsim::kernels
