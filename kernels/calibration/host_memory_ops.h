// What the reduced DeepSeek-V3's CPU back-end (kernels/model/) runs for a memory-bound call of a calibration plan:
// calibration_run_cpu times these where the GPU driver runs the model's memory-bound kernels (device_memory_ops.cuh)
// or copies the bytes. Which of the model's ops each catalog op of the call is, and its shape, memory_op_shapes.h
// says; here each is the model's own FP64 loop on that shape (rmsnorm_ref and its backward, swiglu_ref per expert,
// assemble_qkv_ref, add_gradient, router_ref + plan_expert_layout and gate_backward, sequence_balance_loss,
// gather_expert_rows and scatter_add_expert_rows or combine_expert_rows(_backward) of every expert,
// embedding_forward and embedding_backward, cross_entropy).
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
