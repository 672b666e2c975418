// Grouped FP8 expert GEMMs over the expert-contiguous layout on kernels/fp8's block-scaled GEMM (WGMMA + TMA,
// promotion every 128 of K): quantization of each expert segment (layouts in grouped_fp8_ref.h), forward,
// Dgrad, Wgrad, and SwiGLU with 1x128 FP8 quantization of its output. Offsets are on the host here.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/fp8/sm90_fp8_gemm.h"
#include "kernels/fp8/sm90_fp8_quantize.h"

namespace trainsim::kernels {

// Codes and scales of a grouped operand in the layouts of grouped_fp8_ref.h.
struct Fp8Grouped {
  const uint8_t* codes = nullptr;
  const float* scales = nullptr;
};

// x: offsets.back() x cols (BF16 or FP32). codes: rows x cols; scales: grouped_row_scale_count(rows, cols).
void sm90_fp8_quantize_grouped_rows(std::span<const int> offsets, const void* x, fp8::InputType type, int cols,
                                    uint8_t* codes, float* scales, cudaStream_t stream);
// 128x1 tiles per segment (Wgrad operands); codes rows x cols, scales grouped_transposed_scale_count(rows, cols).
void sm90_fp8_quantize_grouped_rows_transposed(std::span<const int> offsets, const void* x, fp8::InputType type,
                                               int cols, uint8_t* codes_t, float* scales_t, cudaStream_t stream);
// w: experts x n x k; codes and scales (expert_weight_scale_count) and, when codes_t is not null, W^T's blocks
// for Dgrad (expert e's k x n codes at e * n * k, its scales at e * scale_count(kBlock128x128, k, n)).
void sm90_fp8_quantize_expert_weights(int experts, const void* w, fp8::InputType type, int n, int k, uint8_t* codes,
                                      float* scales, uint8_t* codes_t, float* scales_t, cudaStream_t stream);

enum class ExpertGemm { kFprop, kDgrad, kWgrad };

// The problem apart from the launch: the per-expert FP8 GEMMs of one grouped GEMM, in kernels/fp8's terms
// (also what its cuBLASLt peer plans). Operands as in the launchers below; experts without rows have none.
std::vector<fp8::Fp8GemmArgs> grouped_fp8_problems(ExpertGemm gemm, std::span<const int> offsets, int n, int k,
                                                   Fp8Grouped a, Fp8Grouped b, void* d);

// y[r] = x[r] W_e^T (BF16 out): x grouped rows of k columns, w expert weights n x k.
void sm90_fp8_grouped_gemm_fprop(std::span<const int> offsets, int n, int k, Fp8Grouped x, Fp8Grouped w,
                                 __nv_bfloat16* y, fp8::GemmVariant variant, cudaStream_t stream);
// dx[r] = dy[r] W_e (BF16 out): dy grouped rows of n columns, wt the transposed weight blocks (k x n).
void sm90_fp8_grouped_gemm_dgrad(std::span<const int> offsets, int n, int k, Fp8Grouped dy, Fp8Grouped wt,
                                 __nv_bfloat16* dx, fp8::GemmVariant variant, cudaStream_t stream);
// dw_e = dy_e^T x_e (FP32 out, experts x n x k): dyt, xt the transposed grouped quantizations of dy (n cols)
// and x (k cols). Experts without rows get zeros.
void sm90_fp8_grouped_gemm_wgrad(std::span<const int> offsets, int n, int k, Fp8Grouped dyt, Fp8Grouped xt,
                                 float* dw, fp8::GemmVariant variant, cudaStream_t stream);
// act = silu(h[:, :inter]) * h[:, inter:] in FP32 (act_scratch: rows x inter), then 1x128 FP8 per segment.
void sm90_fp8_grouped_swiglu_quantize(std::span<const int> offsets, const __nv_bfloat16* h, int inter,
                                      float* act_scratch, uint8_t* codes, float* scales, cudaStream_t stream);

}  // namespace trainsim::kernels
