// Tiling of the first (simple, FP32-FMA) MLA attention kernels, kept apart from the problem and the launch:
// the tile sizes, the shared memory they need, and the grid heuristic. Plain C++ so CPU tests can check it.
#pragma once
#include <cstddef>

namespace trainsim::kernels {

inline constexpr int kAttnQkDim = 192;  // DeepSeek-V3: qk_nope 128 + qk_rope 64
inline constexpr int kAttnVDim = 128;
inline constexpr int kAttnBlockQ = 64;    // query rows per block
inline constexpr int kAttnBlockK = 64;    // key rows per step
inline constexpr int kAttnThreads = 256;  // a 16 x 16 thread grid over each 64 x 64 score tile
inline constexpr int kAttnThreadRows = 16, kAttnThreadCols = 16;
inline constexpr size_t kHopperMaxSmemPerBlock = 227 * 1024;  // opt-in limit of sm_90 (CUDA guide, H.9)

static_assert(
    kAttnBlockQ == kAttnBlockK,
    "the causal loops start at the diagonal tile: query tile t meets key tiles 0..t only if blocks are equal");
static_assert(kAttnThreadRows * kAttnThreadCols == kAttnThreads, "one thread per 4 x 4 cell of the 64 x 64 tile");
static_assert(kAttnBlockQ % kAttnThreadRows == 0 && kAttnBlockK % kAttnThreadCols == 0,
              "each thread owns whole strided rows and columns of the score tile");
static_assert(kAttnQkDim % kAttnThreadCols == 0 && kAttnVDim % kAttnThreadCols == 0,
              "each thread owns whole strided columns of the dQ/dK (192) and O/dV (128) tiles");
static_assert(kAttnThreads == 4 * kAttnBlockQ, "the softmax pass gives 4 lanes of one warp to each row");

// Shared memory in floats; rows padded by one word so a column walk across rows hits 32 different banks.
constexpr size_t attention_padded(int cols) { return size_t(cols) + 1; }
constexpr size_t attention_forward_smem_bytes() {
  return sizeof(float) *
         (kAttnBlockQ * attention_padded(kAttnQkDim) + kAttnBlockK * attention_padded(kAttnQkDim) +
          kAttnBlockK * attention_padded(kAttnVDim) + kAttnBlockQ * attention_padded(kAttnBlockK) + 3 * kAttnBlockQ);
}
// Both backward kernels hold Q, dO, K, V tiles, P and dS (or dS alone twice), log-sum-exp and delta rows.
constexpr size_t attention_backward_smem_bytes() {
  return sizeof(float) *
         (2 * kAttnBlockQ * attention_padded(kAttnQkDim) + 2 * kAttnBlockQ * attention_padded(kAttnVDim) +
          2 * kAttnBlockQ * attention_padded(kAttnBlockK) + 2 * kAttnBlockQ);
}
static_assert(attention_forward_smem_bytes() <= kHopperMaxSmemPerBlock,
              "forward tiles must fit one SM's shared memory");
static_assert(attention_backward_smem_bytes() <= kHopperMaxSmemPerBlock,
              "backward tiles must fit one SM's shared memory");

// Grid: x = query (or key) tiles of the longest sequence, y = heads, z = sequences. Heuristic: block x takes
// tile (tiles - 1 - x), so the longest causal rows (most key tiles) start first and the short ones fill the tail.
constexpr int attention_tiles(int max_length) { return (max_length + kAttnBlockQ - 1) / kAttnBlockQ; }
constexpr int attention_tile_of_block(int block_x, int tiles) { return tiles - 1 - block_x; }

// Version 2 (mma.sync forward): 4 warps, each 16 query rows of a 64-row tile; BF16 tiles in shared memory
// with rows padded by 8 elements (16 bytes), so the 8 rows a fragment load touches start 4 banks apart.
inline constexpr int kAttnV2BlockQ = 64;
inline constexpr int kAttnV2BlockK = 64;
inline constexpr int kAttnV2Threads = 128;
inline constexpr int kAttnV2RowPad = 8;
static_assert(kAttnV2BlockQ == 16 * (kAttnV2Threads / 32), "each warp owns 16 query rows, one mma row block");
static_assert(kAttnV2BlockK % 16 == 0 && kAttnQkDim % 16 == 0 && kAttnVDim % 8 == 0,
              "S = Q K^T steps 16 dims at a time, P V 16 keys at a time, output tiles are 8 wide");
static_assert(kAttnV2BlockQ == kAttnBlockQ, "version 2 shares version 1's grid and tile-order heuristic");
static_assert(((kAttnQkDim + kAttnV2RowPad) * 2) % 16 == 0 && ((kAttnVDim + kAttnV2RowPad) * 2) % 16 == 0,
              "padded rows stay 16-byte aligned for the 16-byte tile copies");
constexpr size_t attention_forward_v2_smem_bytes() {
  return 2 * (size_t(kAttnV2BlockQ + kAttnV2BlockK) * (kAttnQkDim + kAttnV2RowPad) +
              size_t(kAttnV2BlockK) * (kAttnVDim + kAttnV2RowPad));
}
static_assert(attention_forward_v2_smem_bytes() <= kHopperMaxSmemPerBlock, "version 2 tiles must fit one SM");
// Backward: Q, dO, K, V tiles (BF16, padded), plus log-sum-exp and delta of the query tile (FP32).
constexpr size_t attention_backward_v2_smem_bytes() {
  return 2 * (size_t(kAttnV2BlockQ + kAttnV2BlockK) * (kAttnQkDim + kAttnV2RowPad) +
              size_t(kAttnV2BlockQ + kAttnV2BlockK) * (kAttnVDim + kAttnV2RowPad)) +
         2 * sizeof(float) * kAttnV2BlockQ;
}
static_assert(attention_backward_v2_smem_bytes() <= kHopperMaxSmemPerBlock, "version 2 backward tiles must fit one SM");
static_assert((kAttnV2BlockQ * (kAttnVDim + kAttnV2RowPad) * 2) % sizeof(float) == 0,
              "the FP32 rows after the BF16 tiles stay 4-byte aligned");

// Launch arguments (device pointers and sizes), plain C++ so the kernels also build for host emulation.
struct AttentionDeviceArgs {
  const int* cu_seqlens = nullptr;  // device, sequences + 1 entries
  int sequences = 0;
  int max_length = 0;
  int total_tokens = 0;
  int heads = 0;
  int qk_dim = 192;  // only 192 / 128 are instantiated; others throw
  int v_dim = 128;
  float scale = 0;  // softmax scale; 0 means 1 / sqrt(qk_dim)
};

}  // namespace trainsim::kernels
