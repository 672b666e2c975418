// What the reduced DeepSeek-V3's CUDA back-end (kernels/model/cuda_backend.h) runs on the GPU for a memory-bound
// call of a calibration plan: calibration_run times these, given the model's config, where it would otherwise copy
// the call's bytes, so that the model's prices and its measured step come from the same kernels (as the host's loop
// times the model's own loops, host_memory_ops.h). memory_op_shapes.h says which of the model's ops each catalog op
// is and on what shape; here each is the model's device kernels on it (kernels/model/memory_bound_kernels.cuh and
// embedding_and_loss_kernels.cuh, BF16 storage: the reduced model's GPU runs are BF16 or FP8; the loss on FP64 logits,
// its head's precision; routing_kernels.cuh), issued as the back-end issues them: one back-end call per op, and per
// routed expert with rows for the experts' SwiGLU, gather, scatter-add and combine.
// The routing runs in FP64 as the model routes it (kernels/model/routing_kernels.cuh: the top-k choice then the
// experts' layout). calibration_run copies the bytes of the loss's and the balance loss's backward ops, which the
// model's kernels fold into their forwards.
// Plain C++ header: the implementation is device_memory_ops.cu (trainsim_kernels_calibration_cuda).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/calibration/calibration_call.h"
#include "kernels/model/model_config.h"

namespace trainsim::kernels {

struct DeviceMemoryOp {
  // The back-end's calls the op makes, in order, each launching its kernels on the default stream; inputs prepared
  // and device memory held by the calls themselves.
  std::vector<std::function<void()>> calls;
  std::string kernel;  // what ran, for the times' kernel column
};

// The model's device kernels for the catalog op `name` of `call`, or nullopt where its CUDA back-end runs none.
// Throws std::invalid_argument as memory_op_shape does (bytes that are not whole rows of the config's widths).
std::optional<DeviceMemoryOp> device_memory_op(const CalibrationCall& call, const std::string& name,
                                               const model::ModelConfig& config);

}  // namespace trainsim::kernels
