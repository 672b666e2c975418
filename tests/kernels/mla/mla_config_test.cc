// The tiling heuristics of the version 1 MLA kernels: the grid covers every tile exactly once, the longest
// causal rows start first, and the decode grid covers a partial group of heads.
#include <gtest/gtest.h>

#include <set>

#include "kernels/mla/sm90_bf16_mla_attention_config.h"
#include "kernels/mla/sm90_bf16_mla_decode_config.h"

namespace trainsim::kernels {
namespace {

TEST(MlaConfig, AttentionGridCoversEachTileOnceLongestFirst) {
  EXPECT_EQ(attention_tiles(1), 1);
  EXPECT_EQ(attention_tiles(64), 1);
  EXPECT_EQ(attention_tiles(65), 2);
  EXPECT_EQ(attention_tiles(4096), 64);
  std::set<int> seen;
  for (int x = 0; x < 64; ++x) seen.insert(attention_tile_of_block(x, 64));
  EXPECT_EQ(seen.size(), 64u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(attention_tile_of_block(0, 64), 63);  // the diagonal tile with 64 key tiles goes first
}

TEST(MlaConfig, SharedMemoryFitsWithOneBlockPerSm) {
  EXPECT_LE(attention_forward_smem_bytes(), kHopperMaxSmemPerBlock);
  EXPECT_LE(attention_backward_smem_bytes(), kHopperMaxSmemPerBlock);
  EXPECT_LE(decode_smem_bytes(), kHopperMaxSmemPerBlock);
  EXPECT_LE(decode_v2_smem_bytes(), kHopperMaxSmemPerBlock);
  EXPECT_LE(2 * attention_forward_v2_smem_bytes(), kHopperMaxSmemPerBlock);  // two v2 forward blocks share an SM
  EXPECT_GT(attention_forward_smem_bytes(), 48u * 1024);  // hence the opt-in in the launchers
}

TEST(MlaConfig, DecodeGroupsCoverEveryHead) {
  EXPECT_EQ(decode_head_groups(16), 1);
  EXPECT_EQ(decode_head_groups(20), 2);
  EXPECT_EQ(decode_head_groups(128), 8);
  EXPECT_EQ(decode_v2_head_groups(16), 1);
  EXPECT_EQ(decode_v2_head_groups(20), 1);
  EXPECT_EQ(decode_v2_head_groups(128), 2);
}

}  // namespace
}  // namespace trainsim::kernels
