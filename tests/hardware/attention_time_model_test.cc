// The attention shape model: FLOP counts by hand, never faster than the datasheet, monotone, causal about half
// of full attention, backward apart from forward.
#include "hardware/attention_time_model.h"

#include <gtest/gtest.h>

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
  const double forward = AttentionTimeModel(h800, Dir::kForward, assumed_attention_constants(Dir::kForward)).seconds(s, 112);
  const double backward =
      AttentionTimeModel(h800, Dir::kBackward, assumed_attention_constants(Dir::kBackward)).seconds(s, 112);
  // 2.6x the FLOPs at 0.45 instead of 0.65 of peak: well over twice the forward time.
  EXPECT_GT(backward, 2.5 * forward);
}

}  // namespace
}  // namespace trainsim::hw
