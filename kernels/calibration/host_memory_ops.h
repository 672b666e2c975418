// What the reduced DeepSeek-V3's CPU back-end (kernels/model/) runs for a memory-bound call of a calibration plan:
// calibration_run_cpu times these where the GPU driver runs the project's memory-bound kernels or copies the bytes.
// A call stands for catalog ops (CalibrationCall::ops) and gives only their bytes; the op's shape is read back from
// the bytes through the op catalog's byte counts (cited beside each, models/), with the model's widths from its
// config. What each catalog op runs, as the model runs it:
//   attn.norm, mlp.norm, moe.norm, head.norm, mtp.enorm, mtp.hnorm   rmsnorm_ref over rows of the hidden size
//   attn.q_norm, attn.kv_norm                                       rmsnorm_ref over rows of the latent's width
//   <name>.bwd of each norm                                         rmsnorm_backward_ref
//   attn.rope, attn.rope.bwd                                        assemble_qkv_ref, assemble_qkv_backward_ref
//   mlp.swiglu, moe.*.swiglu and their .bwd                         swiglu_ref, swiglu_backward_ref
//   moe.topk, moe.topk.bwd                                          router_ref + plan_expert_layout, gate_backward
//   moe.balance_loss, moe.balance_loss.bwd                          sequence_balance_loss, a copy of its gradient
//   moe.permute, moe.permute.bwd                                    gather_expert_rows, scatter_add_expert_rows
//   moe.combine_sum, moe.combine_sum.bwd                            combine_expert_rows(_backward) of every expert
//   embed.lookup, mtp.embed_lookup, embed.scatter_add, ...          embedding_forward, embedding_backward
//   head.cross_entropy                                              cross_entropy (its gradient in the same pass)
//   attn.input_grad_sum, moe.input_grad_sum                         add_gradient
//   <block>.residual_add, <block>.residual_grad_sum                  add_gradient
// A call stands for every catalog op of its bytes, whose loops on the host differ where a GPU's time is the bytes'
// (moe.permute and its backward share one; so may attn.rope and moe.shared.swiglu.bwd): it runs each distinct loop
// once and counts their mean, so that the ops' times add up to what their loops take. An op without a loop of its
// own (the cross-entropy's backward comes with its forward) adds none.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "kernels/calibration/calibration_call.h"
#include "kernels/model/model_config.h"

namespace trainsim::kernels {

struct HostKernel {
  std::function<void()> run;  // one call, on inputs prepared once
  std::string kernel;         // what ran, for the CSV's kernel column
  int loops_per_run = 1;      // the call's time is run's over this (the mean of the loops it runs)
};

// The model's loops for the call's ops on the shape its bytes stand for; nullopt when the call names no op the
// model has a loop for (the caller copies the bytes and says so). Throws std::invalid_argument when the op is known
// but its bytes are not whole rows of the config's widths (the plan was made for another model).
std::optional<HostKernel> host_memory_op(const CalibrationCall& call, const model::ModelConfig& config);

}  // namespace trainsim::kernels
