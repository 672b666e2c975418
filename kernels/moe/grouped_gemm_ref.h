// CPU reference (FP64 accumulation) of the grouped expert GEMMs over the expert-contiguous layout of
// permute_ref.h: forward (gate/up with SwiGLU, down), Dgrad and Wgrad, and the shared expert as one group.
// Inputs are the values the device kernel sees (BF16 or dequantized FP8, held exactly in float).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace trainsim::kernels {

// Groups: offsets[num_experts + 1]; expert e owns rows [offsets[e], offsets[e + 1]) of every row operand.
// Padding rows must be zero in the row inputs (permute writes them so); every output then has zero padding
// rows, and Wgrad may sum over whole padded segments.
// Weights: w[num_experts][n][k], row-major (each expert's nn.Linear weight, out_features x in_features).

// Fprop: d[r][j] = sum_i a[r][i] * w[e(r)][j][i].                      a: rows x k, d: rows x n.
void grouped_gemm_fprop_ref(std::span<const int64_t> offsets, std::span<const float> a, std::span<const float> w,
                            int64_t n, int64_t k, std::span<double> d);
// Dgrad: da[r][i] = sum_j dd[r][j] * w[e(r)][j][i].                    dd: rows x n, da: rows x k.
void grouped_gemm_dgrad_ref(std::span<const int64_t> offsets, std::span<const float> dd, std::span<const float> w,
                            int64_t n, int64_t k, std::span<double> da);
// Wgrad: dw[e][j][i] = sum over rows r of e of dd[r][j] * a[r][i].     dw: num_experts x n x k.
void grouped_gemm_wgrad_ref(std::span<const int64_t> offsets, std::span<const float> dd, std::span<const float> a,
                            int64_t n, int64_t k, std::span<double> dw);

// SwiGLU: act[r][j] = silu(h[r][j]) * h[r][inter + j] for h: rows x 2*inter (gate columns, then up columns,
// the layout of w1 = [w_gate; w_up]); silu(x) = x / (1 + exp(-x)).
void swiglu_ref(std::span<const double> h, int64_t rows, int64_t inter, std::span<double> act);
// Its backward: with s = sigmoid(g), d silu(g)/dg = s (1 + g (1 - s)); dh holds [d gate, d up] per row.
void swiglu_backward_ref(std::span<const double> h, int64_t rows, int64_t inter, std::span<const double> d_act,
                         std::span<double> dh);

// Gate/up GEMM and SwiGLU in one: act = swiglu(fprop(a, w1)), w1: num_experts x 2*inter x k.
void grouped_swiglu_fprop_ref(std::span<const int64_t> offsets, std::span<const float> a, std::span<const float> w1,
                              int64_t inter, int64_t k, std::span<double> act);

// The shared expert is a grouped GEMM with one group holding every token: offsets {0, tokens}.
inline std::vector<int64_t> single_group_offsets(int64_t rows) { return {0, rows}; }

}  // namespace trainsim::kernels
