// Device code of the reduced model's memory-bound ops (the CUDA back-end's, cuda_backend.cu): RMSNorm and its
// backward, the residual and gradient adds, SwiGLU's activation and its backward, MLA's RoPE with the q/k/v
// assembly and its backward, and one expert's gather, scatter-add, gated combine and the combine's backward. Each
// kernel computes what its CPU reference computes (mla_projections_ref.h, grouped_gemm_ref.h, moe_layer.h), in the
// same layouts, on tensors stored as T: __nv_bfloat16 (arithmetic in FP32, as training frameworks run these ops on
// BF16 activations) or double (arithmetic in FP64, the references' own, so that a device run can be held to them
// to rounding). Weight gradients (RMSNorm's gamma) and the gates' gradients are written in the arithmetic's type.
//
// Plain CUDA, no tensor cores: one block per row where a row needs a reduction, grid-stride loops elsewhere. Every
// reduction runs in a fixed order (a shared-memory tree, or one thread down a column), so results are the same
// run to run. Under TRAINSIM_HOST_EMULATION (tests/kernels/common/cuda_host_emulation.h) the same source runs on the
// CPU (tests/kernels/model/memory_bound_kernels_emulation_test.cc). The launch_* functions take a `launch(grid,
// block, kernel, args...)` callable: `<<<>>>` on a stream in cuda_backend.cu, the emulation's in the test.
#pragma once
#include <cmath>
#include <cstdint>

#ifndef TRAINSIM_HOST_EMULATION
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#endif

namespace trainsim::kernels::model_device {

constexpr int kMemoryBoundThreads = 128;  // 4 warps: rows here are a few hundred values
constexpr int kMaxRopeDims = 128;         // qk_rope_head_dim: 64 in DeepSeek-V3

// The arithmetic type of a storage type.
template <class T>
struct Arithmetic {
  using type = float;
};
template <>
struct Arithmetic<double> {
  using type = double;
};
template <class T>
using ArithmeticOf = typename Arithmetic<T>::type;

__device__ inline float load(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ inline double load(double x) { return x; }
__device__ inline float load(float x) { return x; }
__device__ inline void store(__nv_bfloat16* to, float v) { *to = __float2bfloat16(v); }
__device__ inline void store(double* to, double v) { *to = v; }
__device__ inline float exponential(float x) { return expf(x); }
__device__ inline double exponential(double x) { return exp(x); }
__device__ inline float square_root(float x) { return sqrtf(x); }
__device__ inline double square_root(double x) { return sqrt(x); }

// The block's combination of one value a thread (combine(a, b): a + b, the larger, ...), in a fixed tree order;
// every thread gets it. scratch: kMemoryBoundThreads.
template <class A, class Combine>
__device__ A block_reduce(A value, A* scratch, Combine combine) {
  scratch[threadIdx.x] = value;
  __syncthreads();
  for (int half = kMemoryBoundThreads / 2; half > 0; half /= 2) {
    if (int(threadIdx.x) < half) scratch[threadIdx.x] = combine(scratch[threadIdx.x], scratch[threadIdx.x + half]);
    __syncthreads();
  }
  const A result = scratch[0];
  __syncthreads();  // scratch is free again
  return result;
}

// The block's sum of one value a thread, in a fixed tree order.
template <class A>
__device__ A block_sum(A value, A* scratch) {
  return block_reduce(value, scratch, [](A a, A b) { return a + b; });
}

// rmsnorm_ref: y [rows][dim] = x r gamma, r = (mean(x^2) + eps)^-1/2, x read with row stride `stride`. A block a row.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    rmsnorm_kernel(const T* x, int dim, int stride, const T* gamma, ArithmeticOf<T> eps, T* y) {
  using A = ArithmeticOf<T>;
  __shared__ A scratch[kMemoryBoundThreads];
  const T* row = x + size_t(blockIdx.x) * stride;
  A squares = 0;
  for (int c = threadIdx.x; c < dim; c += kMemoryBoundThreads) squares += load(row[c]) * load(row[c]);
  const A inv = A(1) / square_root(block_sum(squares, scratch) / A(dim) + eps);
  for (int c = threadIdx.x; c < dim; c += kMemoryBoundThreads)
    store(&y[size_t(blockIdx.x) * dim + c], load(row[c]) * inv * load(gamma[c]));
}

// rmsnorm_backward_ref's dx [rows][dim] (dense) = r gamma dy - x r^3 / dim sum(gamma dy x), and each row's r for
// the gamma gradient. A block a row.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    rmsnorm_backward_kernel(const T* x, int dim, int stride, const T* gamma, ArithmeticOf<T> eps, const T* dy, T* dx,
                            ArithmeticOf<T>* inv_of_row) {
  using A = ArithmeticOf<T>;
  __shared__ A scratch[kMemoryBoundThreads];
  const T* xr = x + size_t(blockIdx.x) * stride;
  const T* g = dy + size_t(blockIdx.x) * dim;
  A squares = 0, dot = 0;
  for (int c = threadIdx.x; c < dim; c += kMemoryBoundThreads) {
    squares += load(xr[c]) * load(xr[c]);
    dot += load(gamma[c]) * load(g[c]) * load(xr[c]);
  }
  squares = block_sum(squares, scratch);
  dot = block_sum(dot, scratch);
  const A inv = A(1) / square_root(squares / A(dim) + eps);
  for (int c = threadIdx.x; c < dim; c += kMemoryBoundThreads)
    store(&dx[size_t(blockIdx.x) * dim + c],
          inv * load(gamma[c]) * load(g[c]) - load(xr[c]) * inv * inv * inv / A(dim) * dot);
  if (threadIdx.x == 0) inv_of_row[blockIdx.x] = inv;
}

// The gamma gradient, sum over rows of dy x r: one thread down each column (rows in order).
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    rmsnorm_gamma_gradient_kernel(const T* x, int rows, int dim, int stride, const T* dy,
                                  const ArithmeticOf<T>* inv_of_row, ArithmeticOf<T>* dgamma) {
  using A = ArithmeticOf<T>;
  const int c = blockIdx.x * kMemoryBoundThreads + threadIdx.x;
  if (c >= dim) return;
  A sum = 0;
  for (int r = 0; r < rows; ++r) sum += load(dy[size_t(r) * dim + c]) * load(x[size_t(r) * stride + c]) * inv_of_row[r];
  dgamma[c] = sum;
}

// sum += other, element-wise (the residual adds and gradient_sum.h's add_gradient).
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads) add_kernel(T* sum, const T* other, int64_t count) {
  for (int64_t i = int64_t(blockIdx.x) * kMemoryBoundThreads + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * kMemoryBoundThreads)
    store(&sum[i], load(sum[i]) + load(other[i]));
}

// swiglu_ref: act [rows][inter] = silu(gate) up, h [rows][2 inter] = [gate | up].
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads) swiglu_kernel(const T* h, int64_t rows, int inter, T* act) {
  using A = ArithmeticOf<T>;
  for (int64_t i = int64_t(blockIdx.x) * kMemoryBoundThreads + threadIdx.x; i < rows * inter;
       i += int64_t(gridDim.x) * kMemoryBoundThreads) {
    const int64_t r = i / inter, j = i % inter;
    const A gate = load(h[r * 2 * inter + j]);
    store(&act[i], gate / (A(1) + exponential(-gate)) * load(h[r * 2 * inter + inter + j]));
  }
}

// swiglu_backward_ref: dh [rows][2 inter].
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    swiglu_backward_kernel(const T* h, int64_t rows, int inter, const T* d_act, T* dh) {
  using A = ArithmeticOf<T>;
  for (int64_t i = int64_t(blockIdx.x) * kMemoryBoundThreads + threadIdx.x; i < rows * inter;
       i += int64_t(gridDim.x) * kMemoryBoundThreads) {
    const int64_t r = i / inter, j = i % inter;
    const A gate = load(h[r * 2 * inter + j]), up = load(h[r * 2 * inter + inter + j]);
    const A s = A(1) / (A(1) + exponential(-gate)), d = load(d_act[i]);
    store(&dh[r * 2 * inter + j], d * up * s * (A(1) + gate * (A(1) - s)));
    store(&dh[r * 2 * inter + inter + j], d * gate * s);
  }
}

// MLA's dimensions as the RoPE kernels need them (mla_problem.h's MlaDims).
struct RopeDims {
  int heads, qk_nope, qk_rope, v_dim, kv_lora;
  double theta;
  __device__ int qk() const { return qk_nope + qk_rope; }
  __device__ int up() const { return qk_nope + v_dim; }      // kv_up's columns a head
  __device__ int down() const { return kv_lora + qk_rope; }  // kv_down's columns
};

// rope_ref's angles for one token at `position` (negative: the inverse rotation), into cos_of and sin_of
// [qk_rope / 2]. The angle in FP64 as the reference computes it: position x frequency reaches thousands of
// radians, where FP32 would lose the phase.
template <class A>
__device__ void rope_angles(const RopeDims& d, int position, A* cos_of, A* sin_of) {
  for (int i = threadIdx.x; i < d.qk_rope / 2; i += kMemoryBoundThreads) {
    const double angle = position * pow(d.theta, -2.0 * i / d.qk_rope);
    cos_of[i] = A(cos(angle));
    sin_of[i] = A(sin(angle));
  }
}

// Element j of rope_ref's rotation of the pairs at `pairs` (x[2i], x[2i + 1]) by the angles' cosines and sines.
template <class E, class A>
__device__ A rotated(const E* pairs, int j, const A* cos_of, const A* sin_of) {
  const int i = j / 2;
  const A a = load(pairs[2 * i]), b = load(pairs[2 * i + 1]);
  return j % 2 == 0 ? a * cos_of[i] - b * sin_of[i] : a * sin_of[i] + b * cos_of[i];
}

// assemble_qkv_ref for one token a block: q = q_up with RoPE on each head's last qk_rope dims; k = [k_nope from
// kv_up | the shared key's rope dims from kv_down, rotated]; v from kv_up.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    rope_assemble_kernel(RopeDims d, const int* positions, const T* q_up, const T* kv_up, const T* kv_down, T* q, T* k,
                         T* v) {
  using A = ArithmeticOf<T>;
  __shared__ A cos_of[kMaxRopeDims / 2], sin_of[kMaxRopeDims / 2], k_rope[kMaxRopeDims];
  const size_t t = blockIdx.x;
  const int qk = d.qk(), up = d.up();
  rope_angles(d, positions[t], cos_of, sin_of);
  __syncthreads();
  for (int j = threadIdx.x; j < d.qk_rope; j += kMemoryBoundThreads)
    k_rope[j] = rotated(kv_down + t * d.down() + d.kv_lora, j, cos_of, sin_of);
  __syncthreads();
  for (int idx = threadIdx.x; idx < d.heads * qk; idx += kMemoryBoundThreads) {
    const size_t row = t * d.heads + idx / qk;
    const int c = idx % qk;
    const T* from = q_up + row * qk;
    if (c < d.qk_nope) {
      q[row * qk + c] = from[c];
      k[row * qk + c] = kv_up[row * up + c];
      continue;
    }
    store(&q[row * qk + c], rotated(from + d.qk_nope, c - d.qk_nope, cos_of, sin_of));
    store(&k[row * qk + c], k_rope[c - d.qk_nope]);
  }
  for (int idx = threadIdx.x; idx < d.heads * d.v_dim; idx += kMemoryBoundThreads) {
    const size_t row = t * d.heads + idx / d.v_dim;
    v[row * d.v_dim + idx % d.v_dim] = kv_up[row * up + d.qk_nope + idx % d.v_dim];
  }
}

// assemble_qkv_backward_ref for one token a block: d_q_up = dq with each head's rope dims rotated back; d_kv_up
// from dk's nope dims and dv; the shared key's rope dims summed over heads, rotated back and added into d_kv_down's
// last qk_rope columns.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    rope_assemble_backward_kernel(RopeDims d, const int* positions, const T* dq, const T* dk, const T* dv, T* d_q_up,
                                  T* d_kv_up, T* d_kv_down) {
  using A = ArithmeticOf<T>;
  __shared__ A cos_of[kMaxRopeDims / 2], sin_of[kMaxRopeDims / 2], k_rope[kMaxRopeDims];
  const size_t t = blockIdx.x;
  const int qk = d.qk(), up = d.up();
  rope_angles(d, -positions[t], cos_of, sin_of);
  for (int r = threadIdx.x; r < d.qk_rope; r += kMemoryBoundThreads) {
    A sum = 0;
    for (int h = 0; h < d.heads; ++h) sum += load(dk[(t * d.heads + h) * qk + d.qk_nope + r]);
    k_rope[r] = sum;
  }
  __syncthreads();
  for (int j = threadIdx.x; j < d.qk_rope; j += kMemoryBoundThreads) {
    T* to = d_kv_down + t * d.down() + d.kv_lora + j;
    store(to, load(*to) + rotated(static_cast<const A*>(k_rope), j, cos_of, sin_of));
  }
  for (int idx = threadIdx.x; idx < d.heads * qk; idx += kMemoryBoundThreads) {
    const size_t row = t * d.heads + idx / qk;
    const int c = idx % qk;
    const T* from = dq + row * qk;
    if (c < d.qk_nope) {
      d_q_up[row * qk + c] = from[c];
      d_kv_up[row * up + c] = dk[row * qk + c];
      continue;
    }
    store(&d_q_up[row * qk + c], rotated(from + d.qk_nope, c - d.qk_nope, cos_of, sin_of));
  }
  for (int idx = threadIdx.x; idx < d.heads * d.v_dim; idx += kMemoryBoundThreads) {
    const size_t row = t * d.heads + idx / d.v_dim;
    d_kv_up[row * up + d.qk_nope + idx % d.v_dim] = dv[row * d.v_dim + idx % d.v_dim];
  }
}

// One expert's rows: row r is token token_of_row[r]'s copy (moe_layer.h's gather_expert_rows). A block a row.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    gather_rows_kernel(const int* token_of_row, const T* x, int hidden, T* rows) {
  const size_t r = blockIdx.x, token = token_of_row[r];
  for (int c = threadIdx.x; c < hidden; c += kMemoryBoundThreads) rows[r * hidden + c] = x[token * hidden + c];
}

// dx[token] += d_rows[r] (scatter_add_expert_rows), dx in the arithmetic's type: the experts' contributions to a
// token add up there, rounded to T once, by whatever reads them next. An expert holds a token at most once, so its
// rows never collide.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    scatter_add_rows_kernel(const int* token_of_row, const T* d_rows, int hidden, ArithmeticOf<T>* dx) {
  const size_t r = blockIdx.x, token = token_of_row[r];
  for (int c = threadIdx.x; c < hidden; c += kMemoryBoundThreads)
    dx[token * hidden + c] += load(d_rows[r * hidden + c]);
}

// y[token] += gate x rows[r] (combine_expert_rows), y in the arithmetic's type as dx above (kernels/moe's combine
// sums in FP32 too); gate_of_row[r] is the row's slot's gate.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    combine_rows_kernel(const int* token_of_row, const ArithmeticOf<T>* gate_of_row, const T* rows, int hidden,
                        ArithmeticOf<T>* y) {
  const size_t r = blockIdx.x, token = token_of_row[r];
  for (int c = threadIdx.x; c < hidden; c += kMemoryBoundThreads)
    y[token * hidden + c] += gate_of_row[r] * load(rows[r * hidden + c]);
}

// combine_expert_rows_backward: d_rows[r] = gate dy[token]; d_gate_of_row[r] = dy[token] . rows[r]. A block a row.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    combine_rows_backward_kernel(const int* token_of_row, const ArithmeticOf<T>* gate_of_row, const T* rows,
                                 const T* dy, int hidden, T* d_rows, ArithmeticOf<T>* d_gate_of_row) {
  using A = ArithmeticOf<T>;
  __shared__ A scratch[kMemoryBoundThreads];
  const size_t r = blockIdx.x, token = token_of_row[r];
  A dot = 0;
  for (int c = threadIdx.x; c < hidden; c += kMemoryBoundThreads) {
    const A g = load(dy[token * hidden + c]);
    store(&d_rows[r * hidden + c], gate_of_row[r] * g);
    dot += g * load(rows[r * hidden + c]);
  }
  dot = block_sum(dot, scratch);
  if (threadIdx.x == 0) d_gate_of_row[r] = dot;
}

// Grid-stride kernels' grid: enough blocks for a thread an element, at most 1,024 (8 a streaming multiprocessor on
// a 132-SM H100 is more than these sizes fill).
inline unsigned stride_blocks(int64_t count) {
  const int64_t blocks = (count + kMemoryBoundThreads - 1) / kMemoryBoundThreads;
  return unsigned(blocks < 1 ? 1 : blocks > 1024 ? 1024 : blocks);
}

// Launchers: a call launches nothing where its op has no rows.
template <class Launch, class T>
void launch_rmsnorm(Launch&& launch, const T* x, int rows, int dim, int stride, const T* gamma, ArithmeticOf<T> eps,
                    T* y) {
  if (rows > 0)
    launch(dim3(unsigned(rows)), dim3(kMemoryBoundThreads), rmsnorm_kernel<T>, x, dim, stride, gamma, eps, y);
}

template <class Launch, class T>
void launch_rmsnorm_backward(Launch&& launch, const T* x, int rows, int dim, int stride, const T* gamma,
                             ArithmeticOf<T> eps, const T* dy, T* dx, ArithmeticOf<T>* inv_of_row,
                             ArithmeticOf<T>* dgamma) {
  if (rows == 0) return;
  launch(dim3(unsigned(rows)), dim3(kMemoryBoundThreads), rmsnorm_backward_kernel<T>, x, dim, stride, gamma, eps, dy,
         dx, inv_of_row);
  launch(dim3(unsigned((dim + kMemoryBoundThreads - 1) / kMemoryBoundThreads)), dim3(kMemoryBoundThreads),
         rmsnorm_gamma_gradient_kernel<T>, x, rows, dim, stride, dy, static_cast<const ArithmeticOf<T>*>(inv_of_row),
         dgamma);
}

template <class Launch, class T>
void launch_add(Launch&& launch, T* sum, const T* other, int64_t count) {
  if (count > 0) launch(dim3(stride_blocks(count)), dim3(kMemoryBoundThreads), add_kernel<T>, sum, other, count);
}

template <class Launch, class T>
void launch_swiglu(Launch&& launch, const T* h, int64_t rows, int inter, T* act) {
  if (rows * inter > 0)
    launch(dim3(stride_blocks(rows * inter)), dim3(kMemoryBoundThreads), swiglu_kernel<T>, h, rows, inter, act);
}

template <class Launch, class T>
void launch_swiglu_backward(Launch&& launch, const T* h, int64_t rows, int inter, const T* d_act, T* dh) {
  if (rows * inter > 0)
    launch(dim3(stride_blocks(rows * inter)), dim3(kMemoryBoundThreads), swiglu_backward_kernel<T>, h, rows, inter,
           d_act, dh);
}

template <class Launch, class T>
void launch_rope_assemble(Launch&& launch, const RopeDims& d, int tokens, const int* positions, const T* q_up,
                          const T* kv_up, const T* kv_down, T* q, T* k, T* v) {
  if (tokens > 0)
    launch(dim3(unsigned(tokens)), dim3(kMemoryBoundThreads), rope_assemble_kernel<T>, d, positions, q_up, kv_up,
           kv_down, q, k, v);
}

template <class Launch, class T>
void launch_rope_assemble_backward(Launch&& launch, const RopeDims& d, int tokens, const int* positions, const T* dq,
                                   const T* dk, const T* dv, T* d_q_up, T* d_kv_up, T* d_kv_down) {
  if (tokens > 0)
    launch(dim3(unsigned(tokens)), dim3(kMemoryBoundThreads), rope_assemble_backward_kernel<T>, d, positions, dq, dk,
           dv, d_q_up, d_kv_up, d_kv_down);
}

template <class Launch, class T>
void launch_gather_rows(Launch&& launch, const int* token_of_row, int rows, const T* x, int hidden, T* out) {
  if (rows > 0)
    launch(dim3(unsigned(rows)), dim3(kMemoryBoundThreads), gather_rows_kernel<T>, token_of_row, x, hidden, out);
}

template <class Launch, class T>
void launch_scatter_add_rows(Launch&& launch, const int* token_of_row, int rows, const T* d_rows, int hidden,
                             ArithmeticOf<T>* dx) {
  if (rows > 0)
    launch(dim3(unsigned(rows)), dim3(kMemoryBoundThreads), scatter_add_rows_kernel<T>, token_of_row, d_rows, hidden,
           dx);
}

template <class Launch, class T>
void launch_combine_rows(Launch&& launch, const int* token_of_row, const ArithmeticOf<T>* gate_of_row, int rows,
                         const T* expert_rows, int hidden, ArithmeticOf<T>* y) {
  if (rows > 0)
    launch(dim3(unsigned(rows)), dim3(kMemoryBoundThreads), combine_rows_kernel<T>, token_of_row, gate_of_row,
           expert_rows, hidden, y);
}

template <class Launch, class T>
void launch_combine_rows_backward(Launch&& launch, const int* token_of_row, const ArithmeticOf<T>* gate_of_row,
                                  int rows, const T* expert_rows, const T* dy, int hidden, T* d_rows,
                                  ArithmeticOf<T>* d_gate_of_row) {
  if (rows > 0)
    launch(dim3(unsigned(rows)), dim3(kMemoryBoundThreads), combine_rows_backward_kernel<T>, token_of_row, gate_of_row,
           expert_rows, dy, hidden, d_rows, d_gate_of_row);
}

}  // namespace trainsim::kernels::model_device
