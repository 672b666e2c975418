// Device code of the reduced model's routing (the CUDA back-end's, cuda_backend.cu), in FP64 as the model routes
// (its gate at kOriginalPrecision): the top-k choice and the gates (routing_rule.h's route_token, the rule's own code,
// a thread a token), the experts' layout (permute_ref.h's plan_expert_layout, one block), the gates' gradient into
// the router's logits (gate_backward.h, a thread a token), and the sequence-wise balance loss with its gradient
// (sequence_balance_loss.h, a block a sequence). Each sums in the CPU reference's order; the device's exp may differ
// from the host's by an ulp, so results agree to rounding, not bit for bit. Under TRAINSIM_HOST_EMULATION the same
// source runs on the CPU (tests/kernels/model/routing_kernels_emulation_test.cc); the launch_* functions take
// memory_bound_kernels.cuh's launch callable.
#pragma once
#include <cstdint>

#include "kernels/model/gate_backward.h"
#include "kernels/model/memory_bound_kernels.cuh"
#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels::model_device {

// router_ref: each token's top_k experts (rank order) and gates from its logits [tokens][experts] and the selection
// bias [experts] (nullptr: none). A thread a token.
__global__ void __launch_bounds__(kMemoryBoundThreads)
    route_kernel(RoutingRule rule, const double* logits, const double* bias, int tokens, int* expert_ids,
                 double* gates) {
  const int t = blockIdx.x * kMemoryBoundThreads + threadIdx.x;
  if (t >= tokens) return;
  route_token<double>(rule, logits + size_t(t) * rule.num_experts, bias, expert_ids + size_t(t) * rule.top_k,
                      gates + size_t(t) * rule.top_k);
}

// gate_backward of every token, added into d_logits [tokens][experts]. A thread a token.
__global__ void __launch_bounds__(kMemoryBoundThreads)
    gate_backward_kernel(RoutingRule rule, const double* logits, const int* expert_ids, const double* gates,
                         const double* d_gates, int tokens, double* d_logits) {
  const int t = blockIdx.x * kMemoryBoundThreads + threadIdx.x;
  if (t >= tokens) return;
  const size_t e = size_t(t) * rule.num_experts, k = size_t(t) * rule.top_k;
  model::gate_backward(rule, logits + e, expert_ids + k, gates + k, d_gates + k, d_logits + e);
}

// sequence_balance_loss for one sequence a block: alpha sum_i f_i P_i / sequences into loss_of_sequence, and its
// gradient into d_logits [tokens][experts] (every entry of the sequence's rows written). score_sum: [tokens] scratch,
// each token's sum of sigmoid scores. f and P per expert in shared memory, each summed by one thread over the tokens
// in order, as the reference sums them.
__global__ void __launch_bounds__(kMemoryBoundThreads)
    balance_loss_kernel(RoutingRule rule, const int* cu_seqlens, int sequences, const double* logits,
                        const int* expert_ids, double alpha, double* score_sum, double* loss_of_sequence,
                        double* d_logits) {
  __shared__ double f[kMaxRoutedExperts], p[kMaxRoutedExperts];
  const int q = blockIdx.x, first = cu_seqlens[q], length = cu_seqlens[q + 1] - first;
  const int experts = rule.num_experts, k = rule.top_k;
  if (length == 0) {
    if (threadIdx.x == 0) loss_of_sequence[q] = 0;
    return;
  }
  for (int t = first + threadIdx.x; t < first + length; t += kMemoryBoundThreads) {
    double sum = 0;
    for (int e = 0; e < experts; ++e) sum += sigmoid_score(logits[size_t(t) * experts + e]);
    score_sum[t] = sum;
  }
  __syncthreads();
  for (int e = threadIdx.x; e < experts; e += kMemoryBoundThreads) {
    double fe = 0, pe = 0;
    for (int t = first; t < first + length; ++t) {
      for (int i = 0; i < k; ++i)
        if (expert_ids[size_t(t) * k + i] == e) fe += double(experts) / (double(k) * length);
      pe += sigmoid_score(logits[size_t(t) * experts + e]) / score_sum[t] / length;
    }
    f[e] = fe;
    p[e] = pe;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    double loss = 0;
    for (int e = 0; e < experts; ++e) loss += f[e] * p[e];
    loss_of_sequence[q] = alpha * loss / sequences;
  }
  for (int t = first + threadIdx.x; t < first + length; t += kMemoryBoundThreads) {
    const double sum = score_sum[t];
    double f_dot_normalized = 0;
    for (int e = 0; e < experts; ++e) f_dot_normalized += f[e] * sigmoid_score(logits[size_t(t) * experts + e]) / sum;
    for (int e = 0; e < experts; ++e) {
      const double s = sigmoid_score(logits[size_t(t) * experts + e]);
      const double d_score = alpha / sequences / length * (f[e] - f_dot_normalized) / sum;
      d_logits[size_t(t) * experts + e] = d_score * s * (1 - s);
    }
  }
}

// plan_expert_layout of expert_ids [slots] (ids outside [0, experts) left out): each expert's count, the offsets
// (each expert's rows padded to align_rows), row_of [slots] and slot_of [offsets[experts]]. One block: a thread an
// expert scanning the slots in order, as the reference hands out rows, so the layout is the reference's exactly.
// slot_of must hold slots + experts (align_rows - 1) entries; its padding rows are -1.
__global__ void __launch_bounds__(kMemoryBoundThreads)
    expert_layout_kernel(const int* expert_ids, int slots, int experts, int align_rows, int64_t* counts,
                         int64_t* offsets, int64_t* row_of, int64_t* slot_of) {
  for (int e = threadIdx.x; e < experts; e += kMemoryBoundThreads) {
    int64_t count = 0;
    for (int slot = 0; slot < slots; ++slot) count += expert_ids[slot] == e;
    counts[e] = count;
  }
  for (int slot = threadIdx.x; slot < slots; slot += kMemoryBoundThreads) row_of[slot] = -1;
  __syncthreads();
  if (threadIdx.x == 0) {
    offsets[0] = 0;
    for (int e = 0; e < experts; ++e)
      offsets[e + 1] = offsets[e] + (counts[e] + align_rows - 1) / align_rows * align_rows;
  }
  __syncthreads();
  for (int64_t row = threadIdx.x; row < offsets[experts]; row += kMemoryBoundThreads) slot_of[row] = -1;
  __syncthreads();
  for (int e = threadIdx.x; e < experts; e += kMemoryBoundThreads) {
    int64_t next = offsets[e];
    for (int slot = 0; slot < slots; ++slot)
      if (expert_ids[slot] == e) {
        row_of[slot] = next;
        slot_of[next++] = slot;
      }
  }
}

inline unsigned token_blocks(int tokens) { return unsigned((tokens + kMemoryBoundThreads - 1) / kMemoryBoundThreads); }

template <class Launch>
void launch_route(Launch&& launch, const RoutingRule& rule, const double* logits, const double* bias, int tokens,
                  int* expert_ids, double* gates) {
  if (tokens > 0)
    launch(dim3(token_blocks(tokens)), dim3(kMemoryBoundThreads), route_kernel, rule, logits, bias, tokens, expert_ids,
           gates);
}

template <class Launch>
void launch_expert_layout(Launch&& launch, const int* expert_ids, int slots, int experts, int align_rows,
                          int64_t* counts, int64_t* offsets, int64_t* row_of, int64_t* slot_of) {
  if (experts > 0)
    launch(dim3(1), dim3(kMemoryBoundThreads), expert_layout_kernel, expert_ids, slots, experts, align_rows, counts,
           offsets, row_of, slot_of);
}

template <class Launch>
void launch_gate_backward(Launch&& launch, const RoutingRule& rule, const double* logits, const int* expert_ids,
                          const double* gates, const double* d_gates, int tokens, double* d_logits) {
  if (tokens > 0)
    launch(dim3(token_blocks(tokens)), dim3(kMemoryBoundThreads), gate_backward_kernel, rule, logits, expert_ids, gates,
           d_gates, tokens, d_logits);
}

template <class Launch>
void launch_balance_loss(Launch&& launch, const RoutingRule& rule, const int* cu_seqlens, int sequences,
                         const double* logits, const int* expert_ids, double alpha, double* score_sum,
                         double* loss_of_sequence, double* d_logits) {
  if (sequences > 0)
    launch(dim3(unsigned(sequences)), dim3(kMemoryBoundThreads), balance_loss_kernel, rule, cu_seqlens, sequences,
           logits, expert_ids, alpha, score_sum, loss_of_sequence, d_logits);
}

}  // namespace trainsim::kernels::model_device
