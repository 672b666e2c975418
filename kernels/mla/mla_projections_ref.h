// FP64 CPU references of MLA's projections (DeepSeek-V3 tech report section 2.1.1, equations 1-11): the
// linear layers as y = x W^T (W stored [out][in] like torch.nn.Linear), RMSNorm on the latents, decoupled
// RoPE (interleaved pairs, as DeepSeek's model.py applies it) and the q/k/v assembly the attention core reads.
#pragma once
#include <functional>
#include <span>
#include <vector>

#include "kernels/mla/mla_problem.h"

namespace trainsim::kernels {

// y[m][n] = sum_k x[m][k] w[n][k]
std::vector<double> linear_ref(std::span<const double> x, std::span<const double> w, int m, int n, int k);

// Dgrad of linear_ref: dx[m][k] = sum_n dy[m][n] w[n][k].
std::vector<double> linear_dgrad_ref(std::span<const double> w, std::span<const double> dy, int m, int n, int k);
// Wgrad of linear_ref: adds dw[n][k] += sum_m dy[m][n] x[m][k].
void linear_wgrad_ref(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw);
// Backward of linear_ref: returns linear_dgrad_ref and adds linear_wgrad_ref into dw.
std::vector<double> linear_backward_ref(std::span<const double> x, std::span<const double> w,
                                        std::span<const double> dy, int m, int n, int k, std::span<double> dw);

// RMSNorm of the first `dim` columns of each row of x (row stride `stride`), times gamma: [rows][dim].
std::vector<double> rmsnorm_ref(std::span<const double> x, int rows, int dim, int stride, std::span<const double> gamma,
                                double eps);

// Backward of rmsnorm_ref (y = x r gamma, r = (mean(x^2) + eps)^-1/2): returns dx [rows][dim] (dense, no stride),
// dx_j = r gamma_j dy_j - x_j r^3 / dim * sum_i gamma_i dy_i x_i, and adds dgamma_j += sum_rows dy_j x_j r.
std::vector<double> rmsnorm_backward_ref(std::span<const double> x, int rows, int dim, int stride,
                                         std::span<const double> gamma, double eps, std::span<const double> dy,
                                         std::span<double> dgamma);

// Rotates pairs (x[2i], x[2i+1]) by position * theta^(-2i/dim), in place; dim even. A rotation's transpose is
// its inverse, so rope_ref(dy, dim, -position, theta) is RoPE's backward pass.
void rope_ref(double* x, int dim, int position, double theta);

struct MlaWeights {
  std::vector<double> w_dq;      // [q_lora][hidden]
  std::vector<double> gamma_q;   // [q_lora]
  std::vector<double> w_uq;      // [heads * qk_dim][q_lora]: per head [q_nope, q_rope]
  std::vector<double> w_dkv;     // [kv_lora + qk_rope][hidden]: [c_kv, k_rope]
  std::vector<double> gamma_kv;  // [kv_lora]
  std::vector<double> w_ukv;     // [heads * (qk_nope + v_dim)][kv_lora]: per head [k_nope, v]
  std::vector<double> w_o;       // [hidden][heads * v_dim]
};

struct MlaQkvRef {
  std::vector<double> c_q;      // [tokens][q_lora], normalized
  std::vector<double> kv_down;  // [tokens][kv_lora + qk_rope], before norm and RoPE
  std::vector<double> c_kv;     // [tokens][kv_lora], normalized: the decode cache's latent
  std::vector<double> q, k;     // [tokens][heads][qk_dim], RoPE applied
  std::vector<double> v;        // [tokens][heads][v_dim]
};

// The small fused step after the up-projections: RoPE on each head's last qk_rope query dims and on the
// shared key rope dims of kv_down, the shared key dims copied to every head, v split from [k_nope, v].
void assemble_qkv_ref(const MlaDims& d, std::span<const double> q_up, std::span<const double> kv_up,
                      std::span<const double> kv_down, std::span<const int> positions, MlaQkvRef& out);
// Its backward: RoPE's inverse rotation on each head's query rope dims and on the shared key's (whose gradient sums
// over the heads first), k_nope and v put back as [k_nope, v]. Returns d_q_up [tokens][heads][qk_dim] and
// d_kv_up [tokens][heads][kv_up_dim], and adds the key rope's gradient into the rope columns of d_kv_down
// [tokens][kv_down_dim].
void assemble_qkv_backward_ref(const MlaDims& d, std::span<const double> dq, std::span<const double> dk,
                               std::span<const double> dv, std::span<const int> positions, std::vector<double>& d_q_up,
                               std::vector<double>& d_kv_up, std::span<double> d_kv_down);

// A GEMM y = x W^T with linear_ref's arguments: the model (kernels/model/linear_gemm.h) passes its BF16 or FP8 one.
using LinearFn = std::function<std::vector<double>(std::span<const double>, std::span<const double>, int, int, int)>;

// Hidden states [tokens][hidden] to the attention core's q, k, v; the four projections through `linear`.
MlaQkvRef mla_qkv_ref(const MlaDims& d, const MlaWeights& w, std::span<const double> x, std::span<const int> positions,
                      const LinearFn& linear = linear_ref);

// Seeded random weights scaled like an initialised layer (std 1/sqrt(fan_in); gammas near 1).
MlaWeights random_mla_weights(const MlaDims& d, unsigned long long seed);

}  // namespace trainsim::kernels
