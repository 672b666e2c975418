// The GEMMs of a linear layer y = x W^T (forward, dgrad, wgrad) at a selectable precision, on the back-end attached
// to the calling thread (compute_backend.h; the CPU references when none is): FP64 (the reference),
// BF16 operands with FP32 accumulation, or FP8 as DeepSeek-V3 trains (arXiv 2412.19437, section 3.3: E4M3,
// activations and gradients per 1x128 tile, weights per 128x128 block, FP32 promotion every 128 of K).
#pragma once
#include <span>
#include <string_view>
#include <vector>

namespace trainsim::kernels::model {

enum class GemmPrecision {
  kFP64,  // linear_ref / linear_backward_ref: exact to double rounding (the gradient checks' precision)
  kBF16,  // every operand rounded to BF16 (nearest even), products summed in FP32 in K order
  kFP8,   // fp8::make_training_operands + fp8::gemm_tensor_core_model (14-bit tensor-core sums, promoted to FP32)
};
std::string_view to_string(GemmPrecision precision);
// "fp64", "bf16" or "fp8"; throws std::invalid_argument naming the accepted values otherwise.
GemmPrecision parse_gemm_precision(std::string_view name);

// y[m][n] = sum_k x[m][k] w[n][k] (Fprop).
std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                   GemmPrecision precision);

// The precision of the GEMMs DeepSeek-V3 keeps out of low precision whatever the others' (arXiv 2412.19437, section
// 3.3.1: the output head and the MoE gating stay in BF16/FP32): FP64 here, the model's stand-in for FP32, so that
// a rounded router does not change which experts are chosen. The model's head and gate run at it; the host harness
// times the catalog's head.proj and moe.gate ops at it (kernels/calibration/host_calibration.cc).
inline constexpr GemmPrecision kOriginalPrecision = GemmPrecision::kFP64;

// Dgrad: dx[m][k] = sum_n dy[m][n] w[n][k], at `precision`.
std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                 GemmPrecision precision);
// Wgrad: adds dw[n][k] += sum_m dy[m][n] x[m][k], at `precision`.
void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                  GemmPrecision precision);

// The CPU back-end's GEMMs (compute_backend.h's cpu_backend()): the same contracts as the three above, without the
// size checks and FLOP counts those do before handing over to the thread's back-end.
std::vector<double> linear_forward_cpu(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                       GemmPrecision precision);
std::vector<double> linear_dgrad_cpu(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                     GemmPrecision precision);
void linear_wgrad_cpu(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                      GemmPrecision precision);

// Returns dx[m][k] = sum_n dy[m][n] w[n][k] (Dgrad) and adds dw[n][k] += sum_m dy[m][n] x[m][k] (Wgrad), both
// at `precision`: DeepSeek-V3 runs all three GEMMs of a linear in FP8 (section 3.3.1, figure 6).
std::vector<double> linear_backward(std::span<const double> x, std::span<const double> w, std::span<const double> dy,
                                    int m, int n, int k, std::span<double> dw, GemmPrecision precision);

}  // namespace trainsim::kernels::model
