// AttentionTimeModel: causal flash attention, forward and backward apart, at MLA's head dims: tiles over
// (query or key block x head x batch) in waves over the SMs, each tile's causal share of blocks counted.
// The BF16 tensor peak and HBM bandwidth come from the GpuSpec; the other constants are fitted (op_time_fit.h).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "hardware/gpu_spec.h"
#include "hardware/linear_time_terms.h"

namespace trainsim::hw {

enum class AttentionDirection { kForward, kBackward };

// Self-attention of `batch` sequences of `seq` tokens (queries and keys alike), BF16. Defaults are DeepSeek-V3's
// MLA (docs/sources.md#deepseek-v3-model): 128 heads, q/k head dim 128 + 64 (RoPE), v head dim 128.
struct AttentionShape {
  std::int64_t batch = 1;
  std::int64_t seq = 4096;
  std::int64_t heads = 128;
  std::int64_t qk_head_dim = 192;
  std::int64_t v_head_dim = 128;
  bool causal = true;
  std::int64_t window = 0;  // causal sliding window: each query sees at most this many keys; 0: none
  // The context-parallel (CP) degree. > 1: the load-balanced causal split of Llama 3 (arXiv 2407.21783, section
  // 3.3.2) and Megatron-Core's context parallelism cuts the sequence into 2 cp chunks of L = seq / (2 cp) tokens,
  // rank r holding query chunks r and 2 cp - 1 - r, the keys and values the whole sequence (all-gathered). This
  // GPU is rank 0 (chunks 0 and 2 cp - 1): every rank has the same pairs, and rank 0 holds both the shortest and
  // the longest tiles. Requires causal, no window and seq divisible by 2 cp (terms(), pairs() and hbm_bytes()
  // TS_CHECK these).
  std::int64_t context_parallel = 1;

  // Query-key pairs computed per head and sequence: seq (seq + 1) / 2 when causal, seq^2 otherwise; under a
  // window w < seq, w (w + 1) / 2 + (seq - w) w. Under CP, rank 0's two chunks: chunk c's L queries see
  // c L + 1 .. c L + L keys, c L^2 + L (L + 1) / 2 pairs, and chunks 0 and 2 cp - 1 sum to 2 cp L^2 + L, the
  // causal seq (seq + 1) / 2 over cp.
  double pairs() const;
  // Forward: QK^T and PV, 2 (d_qk + d_v) per pair. Backward recomputes QK^T and runs dP = dO V^T, dV = P^T dO,
  // dK = dS^T Q, dQ = dS K: 2 (3 d_qk + 2 d_v) per pair (2.5x forward when d_qk = d_v).
  double flops(AttentionDirection direction) const;
  // Forward reads Q, K, V and writes O; backward reads Q, K, V, O, dO and writes dQ, dK, dV; 2 bytes each.
  // Under CP, Q, O, dO and dQ are the rank's seq / cp tokens, K, V, dK and dV the whole sequence's.
  double hbm_bytes(AttentionDirection direction) const;
};

// Tiles after FlashAttention-3 on Hopper (docs/sources.md#shape-model): the forward kernel owns a 128-row
// query block and walks 128-key blocks; the backward kernel owns a 128-key block and walks 64-row query blocks.
// These are FA3's head-dim-128 tiles, an assumption for MLA's 192. Under CP the query blocks are cut inside each
// of the rank's two chunks (a block never spans them; a chunk's last block may be partial): forward, a tile per
// 128-row query block walking the key blocks from 0 to the one holding its last query; backward, a tile per
// 128-key block up to the last local query, walking the local 64-row query blocks holding a query at or after
// its first key.
struct AttentionTiling {
  int outer_block = 0;  // rows a tile owns (queries forward, keys backward)
  int inner_block = 0;  // rows of the blocks it walks
};
AttentionTiling attention_tiling(AttentionDirection direction);

// The fitted constants. Time of one call (LinearTimeTerms):
//   launches x launch_s + max(mma_time_factor x sum over waves of (its longest tile's blocks x t_block_peak)
//                              + waves x tile_s, floor)
// Waves take the tiles longest first (FA3 schedules causal tiles that way); t_block_peak is one inner block's
// FLOPs at the per-SM BF16 peak.
struct AttentionConstants {
  double mma_time_factor = 1;  // >= 1: 1 / achieved fraction of the per-SM peak, softmax and masking included
  double tile_s = 0;           // per wave: load the tile's Q (K, V backward), write its output
  double launch_s = 0;         // per kernel

  std::vector<double> coefficients() const { return {mma_time_factor, tile_s, launch_s}; }
  static AttentionConstants from_coefficients(std::span<const double> c);
  static std::vector<double> lower_bounds() { return {1.0, 0.0, 0.0}; }
};

// No attention kernel is measured in the repository yet. Forward at 0.65 of peak: FlashAttention-3 reports
// 60-75% of the H100 BF16 peak forward (docs/sources.md#roofline-efficiencies); backward at 0.45, the "less in
// backward" of the same source read as its lower end (an assumption); tile and launch costs are assumptions.
AttentionConstants assumed_attention_constants(AttentionDirection direction);

class AttentionTimeModel {
 public:
  AttentionTimeModel(GpuSpec gpu, AttentionDirection direction, AttentionConstants constants,
                     double hbm_time_factor = 1.0);

  LinearTimeTerms terms(const AttentionShape& shape, int sms) const;
  double seconds(const AttentionShape& shape, int sms) const;

  AttentionDirection direction() const { return direction_; }
  const AttentionConstants& constants() const { return constants_; }

 private:
  GpuSpec gpu_;
  AttentionDirection direction_;
  AttentionConstants constants_;
  double hbm_time_factor_;
};

}  // namespace trainsim::hw
