// Launchers of the device permutation: plan the expert-contiguous layout from expert ids, gather BF16 token
// rows into it (padding rows zero), gather them back, and the gated combine. Same layout as permute_ref.h.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>

namespace trainsim::kernels {

// Device buffers of one layout, allocated by the caller with the sizes below (int32 indices: the rows of one
// GPU stay far below 2^31). After launch_sm90_plan_layout, offsets[num_experts] holds the padded row count;
// kernels read it on the device, so no host synchronization is needed between plan, permute and GEMM.
struct DeviceExpertLayout {
  int num_experts = 0;          // at most 1024
  int top_k = 0;
  int align_rows = 128;
  int tokens = 0;
  int* chunk_counts = nullptr;  // scratch: num_experts * layout_chunks(tokens, top_k)
  int* counts = nullptr;        // num_experts
  int* offsets = nullptr;       // num_experts + 1
  int* row_of = nullptr;        // tokens * top_k; -1 for another GPU's expert
  int* slot_of = nullptr;       // max_layout_rows(...); -1 for padding
};

// Warp-sized chunks of slots the planner counts separately (its deterministic ordering needs them).
constexpr int layout_chunks(int tokens, int top_k) { return (tokens * top_k + 31) / 32; }
// The most rows a layout can need: every slot plus the padding of every expert.
constexpr int max_layout_rows(int tokens, int top_k, int num_experts, int align_rows) {
  return tokens * top_k + num_experts * (align_rows - 1);
}

// Fills counts, offsets, row_of and slot_of (slot_of beyond offsets[num_experts] is left as -1 too).
void launch_sm90_plan_layout(const int* expert_ids, const DeviceExpertLayout& layout, cudaStream_t stream);

// out[row] = x[slot_of[row] / top_k] for rows < offsets[num_experts], zero for padding rows.
// hidden must be a multiple of 8 (16-byte row chunks); out holds max_layout_rows(...) * hidden.
void launch_sm90_bf16_permute(const DeviceExpertLayout& layout, const __nv_bfloat16* x, int hidden,
                              __nv_bfloat16* out, cudaStream_t stream);

// out[slot] = y[row_of[slot]], zero for slots without a row. out: tokens * top_k * hidden.
void launch_sm90_bf16_unpermute(const DeviceExpertLayout& layout, const __nv_bfloat16* y, int hidden,
                                __nv_bfloat16* out, cudaStream_t stream);

// out[t] = sum over k of gates[t * top_k + k] * y[row_of[t * top_k + k]] in FP32; out: tokens * hidden FP32.
void launch_sm90_bf16_combine(const DeviceExpertLayout& layout, const __nv_bfloat16* y, const float* gates,
                              int hidden, float* out, cudaStream_t stream);

}  // namespace trainsim::kernels
