// Device code of the reduced model's optimizer (the CUDA back-end's, cuda_backend.cu): adamw.h's step on one tensor,
// FP32 master weights and gradients, BF16 moments, and the gradient buffer's zeroing before a backward pass.
//
// The step is adamw_step's arithmetic operation for operation, each rounded as IEEE FP32 rounds it: the intrinsics
// __fmul_rn, __fadd_rn, __fsub_rn, __fdiv_rn and __fsqrt_rn keep nvcc from contracting a multiply and an add into
// one FMA (which rounds once where the reference rounds twice), and the moments are rounded to BF16 nearest-even as
// round_to_bf16 rounds them. So a device step equals the CPU's bit for bit, and a model trained on the GPU keeps the
// CPU's weights to the rounding of everything before the optimizer. A thread an element, grid-stride. Under
// TRAINSIM_HOST_EMULATION the same source runs on the CPU (tests/kernels/model/optimizer_kernels_emulation_test.cc).
#pragma once
#include <cstdint>

#include "kernels/model/adamw.h"
#include "kernels/model/memory_bound_kernels.cuh"

namespace trainsim::kernels::model_device {

// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g (each stored as BF16); w -= lr ((m / c1) / (sqrt(v / c2) + eps) +
// decay w), in adamw_step's order of operations.
__global__ void __launch_bounds__(kMemoryBoundThreads)
    adamw_kernel(model::AdamWStepConstants s, const float* grad, float* master, __nv_bfloat16* m, __nv_bfloat16* v,
                 int64_t count) {
  for (int64_t i = int64_t(blockIdx.x) * kMemoryBoundThreads + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * kMemoryBoundThreads) {
    const float g = grad[i];
    const float m_new = __bfloat162float(
        __float2bfloat16(__fadd_rn(__fmul_rn(s.beta1, __bfloat162float(m[i])), __fmul_rn(s.one_minus_beta1, g))));
    const float v_new = __bfloat162float(__float2bfloat16(
        __fadd_rn(__fmul_rn(s.beta2, __bfloat162float(v[i])), __fmul_rn(__fmul_rn(s.one_minus_beta2, g), g))));
    m[i] = __float2bfloat16(m_new);
    v[i] = __float2bfloat16(v_new);
    const float w = master[i];
    const float adam =
        __fdiv_rn(__fdiv_rn(m_new, s.correction1), __fadd_rn(__fsqrt_rn(__fdiv_rn(v_new, s.correction2)), s.eps));
    master[i] = __fsub_rn(w, __fmul_rn(s.learning_rate, __fadd_rn(adam, __fmul_rn(s.decay, w))));
  }
}

// x[0, count) = 0: a gradient buffer emptied for the next backward pass.
template <class A>
__global__ void __launch_bounds__(kMemoryBoundThreads) zero_kernel(A* x, int64_t count) {
  for (int64_t i = int64_t(blockIdx.x) * kMemoryBoundThreads + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * kMemoryBoundThreads)
    x[i] = A(0);
}

template <class Launch>
void launch_adamw(Launch&& launch, const model::AdamWStepConstants& s, const float* grad, float* master,
                  __nv_bfloat16* m, __nv_bfloat16* v, int64_t count) {
  if (count > 0)
    launch(dim3(stride_blocks(count)), dim3(kMemoryBoundThreads), adamw_kernel, s, grad, master, m, v, count);
}

template <class Launch, class A>
void launch_zero(Launch&& launch, A* x, int64_t count) {
  if (count > 0) launch(dim3(stride_blocks(count)), dim3(kMemoryBoundThreads), zero_kernel<A>, x, count);
}

}  // namespace trainsim::kernels::model_device
