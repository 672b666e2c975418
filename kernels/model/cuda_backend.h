// The reduced model's CUDA back-end (compute_backend.h): the same calls as the CPU back-end, run on the GPU with the
// project's kernels and cuBLASLt.
// - Linear GEMMs: BF16 by cuBLASLt (BF16 operands rounded as the CPU back-end rounds them, FP32 accumulation and
//   output, the reference peer of the brief); FP8 by kernels/fp8's quantizers (1x128 activations and gradients,
//   128x128 weights, as fp8::make_training_operands) and its WGMMA GEMM with FP32 promotion every 128 of K, FP32
//   output; FP64 (the model's head and gate, kOriginalPrecision) by cuBLASLt's FP64 GEMM.
// - The attention core: kernels/mla's causal varlen BF16 kernels (forward; backward after a forward that recomputes
//   o and the log-sum-exp), so only head dims qk 192 / v 128 run (configs/reduced-deepseek-v3-gpu.json).
// - Every other op but the experts' bias update: the memory-bound ops, the embedding and the loss
//   (memory_bound_on_device.cuh), the routing and AdamW (routing_and_optimizer_on_device.cuh), on this folder's
//   kernels.
// The model's host FP64 tensors are copied in and out around every call: the simplest correct form, which the layer
// check needs (NOTES.md, "The CUDA back-end"). Each call's kernels are timed on the device (CUDA events, the copies
// left out) into the op running (op_timer.h's count_device_time): the device's share of each op.
// Plain C++ header: host code includes it; the implementation is in cuda_backend.cu (trainsim_kernels_model_cuda).
#pragma once
#include <memory>

#include "kernels/model/compute_backend.h"

namespace trainsim::kernels::model {

// Which FP8 GEMM kernel the back-end runs (kernels/fp8/sm90_fp8_gemm.h's variants).
enum class CudaFp8Gemm { kWgmma, kSimt };

// On the current CUDA device; throws std::runtime_error when there is none.
std::unique_ptr<ComputeBackend> make_cuda_backend(CudaFp8Gemm fp8_gemm = CudaFp8Gemm::kWgmma);

// Whether this machine has a CUDA device for it (drivers exit 77 without one).
bool cuda_device_present();

}  // namespace trainsim::kernels::model
