// Device code of the reduced model's two ends (the CUDA back-end's, cuda_backend.cu): the token embedding's lookup
// and its gradient's scatter-add into the table (embedding.h), and the next-token cross-entropy with the logits'
// gradient in the same pass (cross_entropy.h). Each kernel computes what its CPU reference computes, in the same
// layouts and the same order of terms where they are summed, on tensors stored as T as memory_bound_kernels.cuh's
// are: __nv_bfloat16 with FP32 arithmetic, or double with FP64 (so that a device run can be held to the references to
// rounding). The table's gradient and the rows' losses are kept in the arithmetic's type: a token's gradient rows add
// up there, and the host sums the losses.
//
// Plain CUDA: a block a row for the lookup and the loss (the loss reduces its row over a shared-memory tree, in a
// fixed order), one thread down each column of the table for the scatter-add, which walks the tokens in order, so a
// token id seen twice adds its rows as the reference does and runs repeat bit for bit. Under
// TRAINSIM_HOST_EMULATION the same source runs on the CPU (tests/kernels/model/embedding_and_loss_kernels_emulation_
// test.cc); the launch_* functions take memory_bound_kernels.cuh's launch callable.
#pragma once
#include <cstdint>

#include "kernels/model/memory_bound_kernels.cuh"

namespace trainsim::kernels::model_device {

__device__ inline float logarithm(float x) { return logf(x); }
__device__ inline double logarithm(double x) { return log(x); }

// The block's largest of one value a thread, in a fixed tree order; every thread gets it.
template <class A>
__device__ A block_max(A value, A* scratch) {
  return block_reduce(value, scratch, [](A a, A b) { return a < b ? b : a; });
}

// embedding_forward: out[t] = table[ids[t]] (ids checked against the table by the caller). A block a token.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    embedding_gather_kernel(const int* ids, const T* table, int hidden, T* out) {
  const size_t t = blockIdx.x, id = size_t(ids[t]);
  for (int c = threadIdx.x; c < hidden; c += kMemoryBoundThreads) out[t * hidden + c] = table[id * hidden + c];
}

// embedding_backward: d_table[ids[t]] += dy[t], d_table in the arithmetic's type. One thread a column, the tokens in
// order, as the reference adds them.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    embedding_scatter_add_kernel(const int* ids, int tokens, const T* dy, int hidden, ArithmeticOf<T>* d_table) {
  const int c = blockIdx.x * kMemoryBoundThreads + threadIdx.x;
  if (c >= hidden) return;
  for (int t = 0; t < tokens; ++t) d_table[size_t(ids[t]) * hidden + c] += load(dy[size_t(t) * hidden + c]);
}

// cross_entropy for one row a block: with m = max(z) and s = sum exp(z - m), the row's loss m + log s - z[target]
// and d_logits = exp(z - m) / s / count, less 1 / count at the target; a row without a target (target < 0) gets a
// zero gradient and no loss. `count`: the rows with a target (the mean's divisor). A block a row.
template <class T>
__global__ void __launch_bounds__(kMemoryBoundThreads)
    cross_entropy_kernel(const T* logits, int vocab, const int* targets, ArithmeticOf<T> count, T* d_logits,
                         ArithmeticOf<T>* loss_of_row) {
  using A = ArithmeticOf<T>;
  __shared__ A scratch[kMemoryBoundThreads];
  const size_t row = blockIdx.x;
  const T* z = logits + row * vocab;
  T* d = d_logits + row * vocab;
  const int target = targets[row];
  if (target < 0) {
    for (int v = threadIdx.x; v < vocab; v += kMemoryBoundThreads) store(&d[v], A(0));
    if (threadIdx.x == 0) loss_of_row[row] = 0;
    return;
  }
  A largest = load(z[0]);
  for (int v = threadIdx.x; v < vocab; v += kMemoryBoundThreads)
    if (largest < load(z[v])) largest = load(z[v]);
  const A m = block_max(largest, scratch);
  A sum = 0;
  for (int v = threadIdx.x; v < vocab; v += kMemoryBoundThreads) sum += exponential(load(z[v]) - m);
  sum = block_sum(sum, scratch);
  for (int v = threadIdx.x; v < vocab; v += kMemoryBoundThreads) {
    A p = exponential(load(z[v]) - m) / sum / count;
    if (v == target) p -= A(1) / count;
    store(&d[v], p);
  }
  if (threadIdx.x == 0) loss_of_row[row] = m + logarithm(sum) - load(z[target]);
}

// Launchers: a call launches nothing where it has no tokens.
template <class Launch, class T>
void launch_embedding_gather(Launch&& launch, const int* ids, int tokens, const T* table, int hidden, T* out) {
  if (tokens > 0)
    launch(dim3(unsigned(tokens)), dim3(kMemoryBoundThreads), embedding_gather_kernel<T>, ids, table, hidden, out);
}

template <class Launch, class T>
void launch_embedding_scatter_add(Launch&& launch, const int* ids, int tokens, const T* dy, int hidden,
                                  ArithmeticOf<T>* d_table) {
  if (tokens > 0 && hidden > 0)
    launch(dim3(unsigned((hidden + kMemoryBoundThreads - 1) / kMemoryBoundThreads)), dim3(kMemoryBoundThreads),
           embedding_scatter_add_kernel<T>, ids, tokens, dy, hidden, d_table);
}

template <class Launch, class T>
void launch_cross_entropy(Launch&& launch, const T* logits, int rows, int vocab, const int* targets,
                          ArithmeticOf<T> count, T* d_logits, ArithmeticOf<T>* loss_of_row) {
  if (rows > 0)
    launch(dim3(unsigned(rows)), dim3(kMemoryBoundThreads), cross_entropy_kernel<T>, logits, vocab, targets, count,
           d_logits, loss_of_row);
}

}  // namespace trainsim::kernels::model_device
