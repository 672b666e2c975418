// Tiling of the first (simple, FP32-FMA) absorbed MLA decode kernel: heads per block, cached tokens per step,
// the shared memory they need. Plain C++ so CPU tests can check it.
#pragma once
#include <cstddef>

#include "kernels/mla/sm90_bf16_mla_attention_config.h"

namespace trainsim::kernels {

inline constexpr int kDecodeQkDim = 576;         // kv_lora 512 + qk_rope 64
inline constexpr int kDecodeVDim = 512;          // kv_lora
inline constexpr int kDecodeHeadsPerBlock = 16;  // heads that share one pass over the cached latent
inline constexpr int kDecodeKeysPerStep = 32;    // one warp lane per cached token in the softmax pass
inline constexpr int kDecodeThreads = 256;

static_assert(kDecodeHeadsPerBlock * kDecodeKeysPerStep == 2 * kDecodeThreads,
              "the score pass gives each thread exactly two (head, token) pairs");
static_assert(kDecodeKeysPerStep == 32, "the softmax pass maps one cached token to one lane of a warp");
static_assert(kDecodeHeadsPerBlock == 2 * (kDecodeThreads / 32), "each warp runs the softmax of two heads");
static_assert(kDecodeVDim == 2 * kDecodeThreads, "each thread owns two output columns of every head");
static_assert(kDecodeVDim <= kDecodeQkDim, "values are the first 512 columns of each cached row");

constexpr size_t decode_smem_bytes() {
  return sizeof(float) * (kDecodeHeadsPerBlock * kDecodeQkDim + kDecodeKeysPerStep * (kDecodeQkDim + 1) +
                          kDecodeHeadsPerBlock * (kDecodeKeysPerStep + 1) + 3 * kDecodeHeadsPerBlock);
}
static_assert(decode_smem_bytes() <= kHopperMaxSmemPerBlock, "decode tiles must fit one SM's shared memory");

// Grid: x = head groups, y = sequences.
constexpr int decode_head_groups(int heads) { return (heads + kDecodeHeadsPerBlock - 1) / kDecodeHeadsPerBlock; }

// Version 2 (mma.sync): a block takes 64 heads of one sequence; warp w owns heads 16 (w % 4) .. + 15 and output
// columns 256 (w / 4) .. + 255, and computes the scores of its 16 heads itself (the two warps sharing heads
// compute the same S: twice the S FLOPs, no exchange of softmax statistics). BF16 rows padded by 16 bytes.
inline constexpr int kDecodeV2HeadsPerBlock = 64;
inline constexpr int kDecodeV2KeysPerStep = 32;
inline constexpr int kDecodeV2Threads = 256;
inline constexpr int kDecodeV2RowPad = 8;
static_assert(kDecodeV2HeadsPerBlock == 16 * (kDecodeV2Threads / 32) / 2,
              "two warps per 16-head mma row block, one per half of the 512 output columns");
static_assert(kDecodeV2KeysPerStep % 16 == 0 && kDecodeQkDim % 16 == 0 && (kDecodeVDim / 2) % 8 == 0,
              "scores step 16 dims, P V steps 16 tokens, each warp's 256 columns are whole 8-wide tiles");
constexpr size_t decode_v2_smem_bytes() {
  return 2 * size_t(kDecodeV2HeadsPerBlock + kDecodeV2KeysPerStep) * (kDecodeQkDim + kDecodeV2RowPad);
}
static_assert(decode_v2_smem_bytes() <= kHopperMaxSmemPerBlock, "version 2 decode tiles must fit one SM");
constexpr int decode_v2_head_groups(int heads) { return (heads + kDecodeV2HeadsPerBlock - 1) / kDecodeV2HeadsPerBlock; }

// Launch arguments (device pointers and sizes), plain C++ so the kernels also build for host emulation.
struct DecodeDeviceArgs {
  const int* cu_seqlens_kv = nullptr;  // device, sequences + 1 entries over the packed cache
  int sequences = 0;
  int heads = 0;
  float scale = 0;  // softmax scale; 0 means 1 / sqrt(192), the training scale (absorption keeps it)
};

}  // namespace trainsim::kernels
