// The attention shape model: FLOP counts by hand, never faster than the datasheet, monotone, causal about half
// of full attention, backward apart from forward; a context-parallel rank's share of the causal work.
#include "hardware/attention_time_model.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

using Dir = AttentionDirection;

TEST(AttentionTimeModel, FlopsOfDeepSeekV3AttentionByHand) {
  const AttentionShape s;  // MLA: 128 heads, d_qk 192, d_v 128, seq 4096, causal
  // Pairs 4096 x 4097 / 2 = 8,390,656; forward 2 x (192 + 128) = 640 FLOP a pair, x 128 heads.
  EXPECT_DOUBLE_EQ(s.flops(Dir::kForward), 8390656.0 * 640 * 128);
  // Backward 2 x (3 x 192 + 2 x 128) = 1664 a pair: 2.6x forward at these head dims.
  EXPECT_DOUBLE_EQ(s.flops(Dir::kBackward) / s.flops(Dir::kForward), 1664.0 / 640.0);
}

TEST(AttentionTimeModel, NeverBeatsTheDatasheetPeaksAndIsMonotone) {
  const GpuSpec h800 = find_gpu("h800");
  for (Dir dir : {Dir::kForward, Dir::kBackward}) {
    for (const AttentionConstants& c : {AttentionConstants{1, 0, 0}, assumed_attention_constants(dir)}) {
      const AttentionTimeModel model(h800, dir, c);
      for (std::int64_t seq : {1, 100, 512, 4096, 8192})
        for (std::int64_t heads : {1, 16, 128})
          for (int sms : {20, 112, 132}) {
            const AttentionShape s{.batch = 1, .seq = seq, .heads = heads};
            const double t = model.seconds(s, sms);
            EXPECT_GE(t, s.flops(dir) / h800.bf16_peak_flops_per_s);
            EXPECT_GE(t, s.hbm_bytes(dir) / h800.hbm_bandwidth_bytes_per_s);
            EXPECT_LE(t, model.seconds(AttentionShape{.batch = 1, .seq = seq + 77, .heads = heads}, sms));
            EXPECT_LE(t, model.seconds(AttentionShape{.batch = 1, .seq = seq, .heads = heads + 1}, sms));
            EXPECT_LE(t, model.seconds(AttentionShape{.batch = 2, .seq = seq, .heads = heads}, sms));
            if (sms < 132) {
              EXPECT_GE(t, model.seconds(s, sms + 1));
            }
          }
    }
  }
}

TEST(AttentionTimeModel, CausalWorkIsAboutHalfOfFull) {
  const AttentionTimeModel model(find_gpu("h800"), Dir::kForward, AttentionConstants{1, 0, 0});
  AttentionShape causal;
  AttentionShape full;
  full.causal = false;
  // 32 query blocks walk 1..32 key blocks causal, 32 each full: (1 + ... + 32) / (32 x 32) = 528 / 1024, within
  // wave quantization (128 heads x 32 tiles = 31.03 waves of 132).
  const double ratio = model.terms(causal, 132).work[0] / model.terms(full, 132).work[0];
  EXPECT_NEAR(ratio, 528.0 / 1024.0, 0.02);
}

// A sliding window of 128 over 4096 tokens (GPT-OSS): pairs 128 x 129 / 2 + 3968 x 128 = 516,160. Forward, query
// block 0 walks 1 key block and blocks 1..31 walk 2 (the window reaches into the block before): 63 of the full
// 32 x 32 = 1024, and as the waves take the tiles longest first (31 waves holding a 2-block tile, one with 1
// only), the work is 63 / 1024 of full attention's 32 waves of 32.
TEST(AttentionTimeModel, SlidingWindowWalksOnlyTheBlocksItSees) {
  AttentionShape windowed;
  windowed.window = 128;
  EXPECT_DOUBLE_EQ(windowed.pairs(), 516'160.0);
  AttentionShape wide = windowed;
  wide.window = 4096;  // a window as long as the sequence is plain causal
  EXPECT_DOUBLE_EQ(wide.pairs(), AttentionShape{}.pairs());
  const AttentionTimeModel forward(find_gpu("h800"), Dir::kForward, AttentionConstants{1, 0, 0});
  AttentionShape full;
  full.causal = false;
  EXPECT_NEAR(forward.terms(windowed, 132).work[0] / forward.terms(full, 132).work[0], 63.0 / 1024.0, 1e-12);
  EXPECT_EQ(forward.terms(wide, 132).work[0], forward.terms(AttentionShape{}, 132).work[0]);
  // Backward, key blocks 0..30 are seen by 4 query blocks of 64 (keys i B .. i B + 127 reach queries up to
  // i B + 254) and the last by 2: 126 blocks against 32 x 64 = 2048 full, and fewer than causal's.
  const AttentionTimeModel backward(find_gpu("h800"), Dir::kBackward, AttentionConstants{1, 0, 0});
  EXPECT_LT(backward.terms(windowed, 132).work[0], backward.terms(AttentionShape{}, 132).work[0]);
  EXPECT_EQ(backward.terms(wide, 132).work[0], backward.terms(AttentionShape{}, 132).work[0]);
}

TEST(AttentionTimeModel, BackwardTakesLongerThanForward) {
  const GpuSpec h800 = find_gpu("h800");
  const AttentionShape s;
  const double forward =
      AttentionTimeModel(h800, Dir::kForward, assumed_attention_constants(Dir::kForward)).seconds(s, 112);
  const double backward =
      AttentionTimeModel(h800, Dir::kBackward, assumed_attention_constants(Dir::kBackward)).seconds(s, 112);
  // 2.6x the FLOPs at 0.45 instead of 0.65 of peak: well over twice the forward time.
  EXPECT_GT(backward, 2.5 * forward);
}

// Context parallelism, the load-balanced causal split (Llama 3, arXiv 2407.21783, section 3.3.2): rank 0 holds
// query chunks 0 and 2 cp - 1 of L = seq / (2 cp) tokens; chunk c has c L^2 + L (L + 1) / 2 pairs, the two sum to
// 2 cp L^2 + L = seq (seq + 1) / 2 / cp. The expected values below are the full causal count over cp.
TEST(AttentionTimeModel, ContextParallelRankHoldsItsShareOfThePairs) {
  struct Case {
    std::int64_t seq;
    std::int64_t cp;
    double causal_pairs;  // seq (seq + 1) / 2, by hand
  };
  // 8192 x 8193 / 2 = 33,558,528; 12288 x 12289 / 2 = 75,503,616 (L 1536); 800 x 801 / 2 = 320,400 (cp 2, L 200)
  // and 1600 x 1601 / 2 = 1,280,800 (cp 4, L 200): chunks that are not multiples of the 128-row block.
  for (const Case& c : {Case{8192, 2, 33'558'528.0}, Case{8192, 4, 33'558'528.0}, Case{12288, 4, 75'503'616.0},
                        Case{800, 2, 320'400.0}, Case{1600, 4, 1'280'800.0}}) {
    SCOPED_TRACE(testing::Message() << "seq " << c.seq << " cp " << c.cp);
    const AttentionShape full{.seq = c.seq};
    const AttentionShape rank{.seq = c.seq, .context_parallel = c.cp};
    EXPECT_DOUBLE_EQ(full.pairs(), c.causal_pairs);
    EXPECT_DOUBLE_EQ(rank.pairs(), c.causal_pairs / static_cast<double>(c.cp));
    // Forward 2 x (192 + 128) = 640 FLOP a pair, x 128 heads.
    EXPECT_DOUBLE_EQ(rank.flops(Dir::kForward), c.causal_pairs / static_cast<double>(c.cp) * 640 * 128);
    EXPECT_DOUBLE_EQ(rank.flops(Dir::kForward), full.flops(Dir::kForward) / static_cast<double>(c.cp));
  }
  // seq 8192 at cp 2: Q and O are the rank's 4096 tokens, K and V all 8192; 2 bytes, 128 heads. Forward
  // (192 + 128) x 4096 + (192 + 128) x 8192 = 3,932,160 elements a head; backward adds dQ, dO and dK, dV: twice.
  const AttentionShape rank{.seq = 8192, .context_parallel = 2};
  EXPECT_DOUBLE_EQ(rank.hbm_bytes(Dir::kForward), 2.0 * 3'932'160 * 128);
  EXPECT_DOUBLE_EQ(rank.hbm_bytes(Dir::kBackward), 2.0 * 2 * 3'932'160 * 128);
}

// Tiles counted by hand. One head, one sequence, one SM: every tile is its own wave, so work[0] is the sum of
// all tiles' inner blocks times one block at the per-SM peak, and work[1] the tile count.
TEST(AttentionTimeModel, ContextParallelTilesByHand) {
  const GpuSpec h800 = find_gpu("h800");
  const double peak_per_sm = h800.bf16_peak_flops_per_s / h800.sm_count;
  // A block: 128 x 128 pairs forward at 2 x (192 + 128) FLOP, 128 keys x 64 queries backward at
  // 2 x (3 x 192 + 2 x 128) = 1664.
  const double forward_block_s = 2.0 * 128 * 128 * 320 / peak_per_sm;
  const double backward_block_s = 128.0 * 64 * 1664 / peak_per_sm;
  const AttentionTimeModel forward(h800, Dir::kForward, AttentionConstants{1, 0, 0});
  const AttentionTimeModel backward(h800, Dir::kBackward, AttentionConstants{1, 0, 0});
  const auto blocks = [](const AttentionTimeModel& m, const AttentionShape& s, double block_s) {
    return m.terms(s, 1).work[0] / block_s;
  };
  const auto tiles = [](const AttentionTimeModel& m, const AttentionShape& s) { return m.terms(s, 1).work[1]; };

  // seq 1024, cp 2: L 256, rank 0 holds queries [0, 256) and [768, 1024). Forward, query blocks 0, 1 walk 1 and
  // 2 key blocks, blocks 6, 7 walk 7 and 8: 18 blocks in 4 tiles, half of full causal's 1 + ... + 8 = 36 in 8.
  const AttentionShape full{.batch = 1, .seq = 1024, .heads = 1};
  const AttentionShape rank{.batch = 1, .seq = 1024, .heads = 1, .context_parallel = 2};
  EXPECT_NEAR(blocks(forward, rank, forward_block_s), 18, 1e-9);
  EXPECT_EQ(tiles(forward, rank), 4);
  EXPECT_NEAR(blocks(forward, full, forward_block_s), 36, 1e-9);
  // Backward, 8 key tiles of 128 over [0, 1024); the local 64-row query blocks end at 63, 127, 191, 255 and 831,
  // 895, 959, 1023. Key tile 0 is seen by all 8, tile 1 (keys from 128) by 6, tiles 2..6 (from 256 .. 768) by the
  // second chunk's 4, tile 7 (from 896) by 2: 8 + 6 + 5 x 4 + 2 = 36 in 8 tiles, half of full causal's
  // 16 + 14 + ... + 2 = 72 in 8.
  EXPECT_NEAR(blocks(backward, rank, backward_block_s), 36, 1e-9);
  EXPECT_EQ(tiles(backward, rank), 8);
  EXPECT_NEAR(blocks(backward, full, backward_block_s), 72, 1e-9);

  // seq 800, cp 2: L 200, not a multiple of 128; rank 0 holds [0, 200) and [600, 800). Forward, query blocks
  // [0, 128), [128, 200), [600, 728), [728, 800) end at 127, 199, 727, 799: key blocks 0..0, 0..1, 0..5, 0..6,
  // 1 + 2 + 6 + 7 = 16 in 4 tiles.
  const AttentionShape ragged{.batch = 1, .seq = 800, .heads = 1, .context_parallel = 2};
  EXPECT_NEAR(blocks(forward, ragged, forward_block_s), 16, 1e-9);
  EXPECT_EQ(tiles(forward, ragged), 4);
  // Backward, 7 key tiles over [0, 800) from 0, 128, ..., 768; query blocks end at 63, 127, 191, 199 and 663,
  // 727, 791, 799: tile 0 by 8, tile 1 by 6, tiles 2..5 (from 256 .. 640) by 4, tile 6 (from 768) by 2: 32.
  EXPECT_NEAR(blocks(backward, ragged, backward_block_s), 32, 1e-9);
  EXPECT_EQ(tiles(backward, ragged), 7);
}

// A rank is never slower than the whole sequence on one GPU: its forward tiles are a subset of full causal's
// (lengths 1..n and (2cp-1)n+1..2cp n of 1..2cp n, n = L / 128), its backward tiles each walk no more blocks than
// the same key tile of full causal, and its FLOPs and bytes are fewer. Nor faster than 1/cp of it, but for wave
// quantization: with L a multiple of 128 its blocks are exactly full's over cp (forward 2cp n^2 + n against
// cp (2cp n^2 + n); backward 4cp n^2 + 2n against 2cp n (2cp n + 1)), its tiles at least full's over cp, its
// FLOPs full's over cp and its bytes more. A sum over waves of their longest tile lies between T / sms (T the
// blocks of all tiles) and T / sms + M (M the longest tile: each later wave's longest is at most the average of
// the full wave before), waves between tiles / sms and tiles / sms + 1. So the rank's time is at least full's
// over cp, divided by 1 + sms M / T: at seq 8192, 128 heads and 132 SMs, forward M = 64 and T = 128 x 64 x 65 / 2
// = 266,240, backward M = 128 and T = 128 x 64 x 65 = 532,480: both 1 + 8448 / 266,240 = 1.032; the waves'
// 1 + 132 / (128 x 64) = 1.016 is less. Slack 1.04.
TEST(AttentionTimeModel, ContextParallelRankTakesAboutItsShareOfTheTime) {
  const GpuSpec h800 = find_gpu("h800");
  constexpr double kSlack = 1.04;
  for (Dir dir : {Dir::kForward, Dir::kBackward}) {
    for (const AttentionConstants& c : {AttentionConstants{1, 0, 0}, assumed_attention_constants(dir)}) {
      const AttentionTimeModel model(h800, dir, c);
      const AttentionShape full{.seq = 8192};
      const double full_s = model.seconds(full, 132);
      for (std::int64_t cp : {2, 4, 8}) {
        SCOPED_TRACE(testing::Message() << "cp " << cp << " backward " << (dir == Dir::kBackward));
        const double rank_s = model.seconds(AttentionShape{.seq = 8192, .context_parallel = cp}, 132);
        EXPECT_LE(rank_s, full_s);
        EXPECT_GE(rank_s, full_s / static_cast<double>(cp) / kSlack);
      }
    }
  }
}

TEST(AttentionTimeModel, ContextParallelRejectsWhatTheSplitDoesNotDefine) {
  const AttentionTimeModel model(find_gpu("h800"), Dir::kForward, AttentionConstants{1, 0, 0});
  AttentionShape windowed{.seq = 8192, .window = 128, .context_parallel = 2};
  AttentionShape ragged{.seq = 1000, .context_parallel = 3};  // 1000 tokens are not 6 equal chunks
  AttentionShape full{.seq = 8192, .causal = false, .context_parallel = 2};
  AttentionShape none{.seq = 8192, .context_parallel = 0};
  for (const AttentionShape& s : {windowed, ragged, full, none}) {
    EXPECT_THROW(model.terms(s, 132), Error);
    EXPECT_THROW(s.pairs(), Error);
    EXPECT_THROW(s.hbm_bytes(Dir::kForward), Error);
  }
}

}  // namespace
}  // namespace trainsim::hw
