// Launchers of the grouped expert GEMMs over the expert-contiguous layout (permute_ref.h): forward (plain and
// gate/up with fused SwiGLU), Dgrad and Wgrad. BF16 operands, FP32 accumulation. The interface is what the
// FP8 path will keep: the same shape struct, operands gaining 1x128 / 128x128 scales (kernels/fp8).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace trainsim::kernels {

// Groups as the device layout holds them: expert e owns rows [offsets[e], offsets[e + 1]), each offset but the
// last a multiple of 128 (the row tile); offsets live on the device so routing needs no host round trip.
// Weights: num_experts x n x k row-major (out_features x in_features), as in grouped_gemm_ref.h.
struct GroupedGemmShape {
  int num_experts = 0;
  const int* offsets = nullptr;  // device, num_experts + 1
  int max_rows = 0;              // capacity of the row operands: the grid covers it, tiles past offsets[E] exit
  int n = 0;                     // output features of the weight (2 * intermediate for gate/up)
  int k = 0;                     // input features of the weight
};

// d[r][j] = sum_i a[r][i] * w[e(r)][j][i]; a: rows x k, d: rows x n.
void launch_sm90_bf16_grouped_gemm_fprop(const GroupedGemmShape& shape, const __nv_bfloat16* a,
                                         const __nv_bfloat16* w, __nv_bfloat16* d, cudaStream_t stream);
void launch_sm90_bf16_grouped_gemm_fprop(const GroupedGemmShape& shape, const __nv_bfloat16* a,
                                         const __nv_bfloat16* w, float* d, cudaStream_t stream);
// act[r][j] = silu(h[r][j]) * h[r][n/2 + j], h = fprop(a, w1); act: rows x n/2, rounded to BF16 (the FP8
// 1x128 quantization of the output replaces this rounding once kernels/fp8 is merged).
void launch_sm90_bf16_grouped_swiglu_fprop(const GroupedGemmShape& shape, const __nv_bfloat16* a,
                                           const __nv_bfloat16* w1, __nv_bfloat16* act, cudaStream_t stream);
// da[r][i] = sum_j dd[r][j] * w[e(r)][j][i]; dd: rows x n, da: rows x k.
void launch_sm90_bf16_grouped_gemm_dgrad(const GroupedGemmShape& shape, const __nv_bfloat16* dd,
                                         const __nv_bfloat16* w, __nv_bfloat16* da, cudaStream_t stream);
void launch_sm90_bf16_grouped_gemm_dgrad(const GroupedGemmShape& shape, const __nv_bfloat16* dd,
                                         const __nv_bfloat16* w, float* da, cudaStream_t stream);
// dw[e][j][i] = sum over rows r of e of dd[r][j] * a[r][i] (padding rows are zero); dw: experts x n x k FP32.
void launch_sm90_bf16_grouped_gemm_wgrad(const GroupedGemmShape& shape, const __nv_bfloat16* dd,
                                         const __nv_bfloat16* a, float* dw, cudaStream_t stream);

}  // namespace trainsim::kernels
