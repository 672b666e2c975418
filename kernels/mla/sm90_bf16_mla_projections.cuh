// MLA's projections on the GPU: the linear layers behind a small interface (BF16 through cuBLASLt today; the
// FP8 block-scaled GEMM of kernels/fp8 plugs in as another MlaLinear when it lands), and the small fused
// kernels around them: RMSNorm on the latents, decoupled RoPE with the q/k/v assembly the attention reads.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <memory>
#include <string>

#include "kernels/mla/mla_problem.h"

namespace trainsim::kernels {

// y [m][n] = x [m][k] W^T for one weight W [n][k] (torch.nn.Linear layout), held by the implementation so an
// FP8 version can quantize it once (128 x 128 blocks) and the activations per call (1 x 128 tiles).
class MlaLinear {
 public:
  virtual ~MlaLinear() = default;
  virtual std::string name() const = 0;
  virtual void forward(const __nv_bfloat16* x, __nv_bfloat16* y, int m, cudaStream_t stream) = 0;
  int n = 0, k = 0;
};

// BF16 inputs and weight, FP32 accumulation, BF16 output, by cuBLASLt's heuristic algorithm; `w` stays owned
// by the caller and must outlive the layer.
std::unique_ptr<MlaLinear> make_cublaslt_bf16_linear(const __nv_bfloat16* w, int n, int k);

// y [rows][dim] = RMSNorm of the first dim columns of x (row stride `stride`) times gamma; FP32 inside.
void mla_rmsnorm(const __nv_bfloat16* x, int rows, int dim, int stride, const __nv_bfloat16* gamma, float eps,
                 __nv_bfloat16* y, cudaStream_t stream);

// In place on q ([tokens][heads][qk_nope + qk_rope]): RoPE on each head's last qk_rope dims. Writes
// k [tokens][heads][qk_nope + qk_rope] (k_nope from kv_up, the RoPE'd shared k_rope from kv_down's last
// qk_rope columns) and v [tokens][heads][v_dim] from kv_up ([tokens][heads][qk_nope + v_dim]).
void mla_rope_assemble(const MlaDims& d, int tokens, const int* positions, __nv_bfloat16* q, const __nv_bfloat16* kv_up,
                       const __nv_bfloat16* kv_down, __nv_bfloat16* k, __nv_bfloat16* v, cudaStream_t stream);

// The forward chain from hidden states to the attention's q, k, v (every buffer device memory, BF16).
struct MlaProjectionLayers {
  MlaLinear* q_down = nullptr;   // hidden -> q_lora
  MlaLinear* q_up = nullptr;     // q_lora -> heads x qk_dim
  MlaLinear* kv_down = nullptr;  // hidden -> kv_lora + qk_rope
  MlaLinear* kv_up = nullptr;    // kv_lora -> heads x (qk_nope + v_dim)
  const __nv_bfloat16* gamma_q = nullptr;
  const __nv_bfloat16* gamma_kv = nullptr;
};
struct MlaProjectionBuffers {
  __nv_bfloat16 *q_down, *c_q, *q, *kv_down, *c_kv, *kv_up, *k, *v;
};
void mla_qkv_forward(const MlaDims& d, const MlaProjectionLayers& layers, const __nv_bfloat16* x, int tokens,
                     const int* positions, const MlaProjectionBuffers& b, cudaStream_t stream);

}  // namespace trainsim::kernels
